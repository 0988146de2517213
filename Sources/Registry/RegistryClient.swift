import Foundation
import HTTP
import ServestackCore
import Synchronization

/// A client of one registry (OCI distribution spec v1.1, as Docker's registry v2.8 and the big public
/// registries speak it): token and basic auth, manifest and blob pull, blob push with cross-repository
/// mounts, manifest push.
///
/// One client serves every repository of its registry and may be shared by concurrent tasks: tokens are
/// cached per scope, and the client remembers which repository holds which blob so that pushes can mount
/// instead of upload.
public final class RegistryClient: Sendable {
  /// `host[:port]` as references name it (`docker.io`, `127.0.0.1:5000`).
  public let registry: String
  public let options: RegistryOptions
  /// `https://host[:port]` (Docker Hub's API host for `docker.io`), or `http://` with ``RegistryOptions/plainHTTP``.
  public let baseURL: String
  let http: HTTPClient
  let credential: RegistryCredential?
  let auth = Mutex(AuthState())
  /// Repositories of this registry known to hold a blob, for cross-repository mounts.
  let blobLocations = Mutex([Digest: Set<String>]())

  /// Makes a client for `host` (`host[:port]`, as in an image reference).
  ///
  /// #### Errors
  /// ``RegistryError`` (`.invalidArgument`) for a bad host or an unreadable Docker config; (`.unreachable`)
  /// when the HTTP client cannot start.
  public init(host: String, options: RegistryOptions = RegistryOptions()) throws(RegistryError) {
    do throws(ValueError) {
      _ = try ImageReference(registry: host, repository: "probe")
    } catch {
      throw RegistryError(.invalidArgument, "bad registry host '\(host)': \(error.problem)")
    }
    registry = ImageReferenceParser.normalizeRegistry(host)
    self.options = options
    let apiHost = registry == ImageReference.dockerHub ? "registry-1.docker.io" : registry
    baseURL = (options.plainHTTP ? "http://" : "https://") + apiHost
    switch options.credentials {
    case .none: credential = nil
    case .explicit(let username, let password): credential = RegistryCredential(username: username, password: password)
    case .dockerConfig:
      credential = try DockerConfig(contentsOf: DockerConfig.defaultPath).credential(forRegistry: registry)
    case .dockerConfigFile(let url): credential = try DockerConfig(contentsOf: url).credential(forRegistry: registry)
    }
    var configuration = HTTPClientConfiguration()
    configuration.tls.certificateAuthority = options.caCertificate
    configuration.tls.verifyPeer = !options.insecureSkipTLSVerify
    configuration.proxy = options.proxy
    configuration.retry = options.retry
    configuration.allowPlainHTTP = options.plainHTTP
    do throws(HTTPError) {
      http = try HTTPClient(configuration: configuration)
    } catch {
      throw RegistryError(.unreachable, "cannot start the HTTP client for \(registry): \(error.message)", cause: error)
    }
  }

  /// Whether credentials were found or given for this registry (never the credentials themselves).
  public var hasCredentials: Bool { credential != nil }

  /// `baseURL/v2/<repository>/<path>`.
  func url(_ repository: String, _ path: String) -> String { "\(baseURL)/v2/\(repository)/\(path)" }

  /// Resolves a `Location` header, absolute (`http://host/v2/…`) or relative (`/v2/…`), against the registry.
  func resolveLocation(_ location: String) -> String {
    if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
    if location.hasPrefix("/") { return baseURL + location }
    return "\(baseURL)/\(location)"
  }

  /// Sends `request` with the credentials `scope` needs, answering one auth challenge if one comes.
  ///
  /// #### Errors
  /// ``RegistryError`` for transport failures (`.unreachable`, `.tls`) and for a token service that refuses
  /// the credentials. HTTP error statuses of the request itself are returned, not thrown.
  func send(_ request: HTTPRequest, scope: AuthScope, what: String) async throws(RegistryError) -> HTTPResponse {
    var request = request
    request.authorization = cachedAuthorization(for: scope)
    let first = try await execute(request, what: what, repository: scope.primaryRepository)
    guard first.status == 401, let challenge = AuthChallenge.parse(first.headers.values(for: "WWW-Authenticate")) else {
      return first
    }
    guard let authorization = try await authorize(challenge, scope: scope) else { return first }
    request.authorization = authorization
    return try await execute(request, what: what, repository: scope.primaryRepository)
  }

  /// One HTTP exchange; transport failures become ``RegistryError``.
  func execute(_ request: HTTPRequest, what: String, repository: String?) async throws(RegistryError) -> HTTPResponse {
    do throws(HTTPError) {
      return try await http.execute(request)
    } catch {
      throw transportError(error, what: what, repository: repository)
    }
  }

  func transportError(_ error: HTTPError, what: String, repository: String?) -> RegistryError {
    let target = repository.map { "\(registry)/\($0)" } ?? registry
    switch error.code {
    case .tls:
      return RegistryError(
        .tls,
        "TLS with registry \(registry) failed while \(what) (\(error.message)). If it uses a private CA, pass it with "
          + "--registry-ca; use --plain-http only for a registry that serves plain HTTP",
        cause: error)
    case .digestMismatch:
      return RegistryError(.digestMismatch, "\(what) from \(target): \(error.message)", cause: error)
    case .bodyDigestMismatch:
      return RegistryError(.corruptSource, "\(what) for \(target): \(error.message)", cause: error)
    case .fileIO:
      return RegistryError(.fileIO, "\(what) for \(target): \(error.message)", cause: error)
    case .cancelled:
      return RegistryError(.unreachable, "\(what) for \(target) was cancelled", cause: error)
    default:
      let hint = options.plainHTTP ? "" : " (if the registry serves plain HTTP, say so with --plain-http)"
      return RegistryError(
        .unreachable,
        "cannot reach registry \(registry) while \(what): \(error.message). Check the address and network\(hint)",
        cause: error)
    }
  }

  /// The error for a response status the operation did not expect.
  func statusError(_ response: HTTPResponse, repository: String?, what: String) -> RegistryError {
    if response.status == 401, credential == nil {
      return noCredentialsError(repository: repository, status: response.status, body: response.body)
    }
    return RegistryError.status(
      response.status, body: response.body, registry: registry, repository: repository, what: what)
  }

  /// A 401 when nothing was sent: "refused the credentials" would send the user looking for a wrong password.
  func noCredentialsError(repository: String?, status: Int, body: [UInt8]) -> RegistryError {
    RegistryError(
      .unauthorized,
      "registry \(registry) needs credentials for \(repository ?? "the registry") and none were sent: pass "
        + "--registry-user USER with the password on standard input (--password-stdin), or run `docker login \(registry)` "
        + "(servestack reads $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json)",
      httpStatus: status, details: RegistryError.decodeDetails(body))
  }
}
