import Foundation
import HTTP
import ServestackCore
import Synchronization

/// The repositories and actions a request needs: `repository:demo/app:pull,push repository:demo/base:pull`.
struct AuthScope: Hashable, Sendable, CustomStringConvertible {
  var entries: [(repository: String, actions: [String])]

  static func pull(_ repository: String) -> AuthScope { AuthScope(entries: [(repository, ["pull"])]) }
  static func push(_ repository: String) -> AuthScope { AuthScope(entries: [(repository, ["pull", "push"])]) }
  /// Push to `repository` and read `from`, for a cross-repository mount.
  static func mount(_ repository: String, from: String) -> AuthScope {
    AuthScope(entries: [(repository, ["pull", "push"]), (from, ["pull"])])
  }
  /// The registry as a whole (`GET /v2/`).
  static let registry = AuthScope(entries: [])

  var primaryRepository: String? { entries.first?.repository }

  /// Whether this is a pull of one repository (which a pull,push token of it also grants).
  var isPullOnly: Bool { entries.count == 1 && entries[0].actions == ["pull"] }

  /// The `scope` parameters of a token request, one per repository.
  var parameters: [String] { entries.map { "repository:\($0.repository):\($0.actions.joined(separator: ","))" } }

  var description: String { parameters.joined(separator: " ") }

  static func == (a: AuthScope, b: AuthScope) -> Bool { a.description == b.description }
  func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// A parsed `WWW-Authenticate` challenge (RFC 7235): `Bearer realm="…",service="…",scope="…"` or
/// `Basic realm="…"`.
struct AuthChallenge: Sendable, Equatable {
  var scheme: String
  var parameters: [String: String]

  /// The first Bearer or Basic challenge among the header values.
  static func parse(_ values: [String]) -> AuthChallenge? {
    let challenges = values.compactMap(parseOne)
    return challenges.first { $0.scheme == "bearer" } ?? challenges.first { $0.scheme == "basic" }
  }

  static func parseOne(_ value: String) -> AuthChallenge? {
    let text = value.trimmingCharacters(in: .whitespaces)
    let schemeEnd = text.firstIndex(of: " ") ?? text.endIndex
    let scheme = text[..<schemeEnd].lowercased()
    guard !scheme.isEmpty else { return nil }
    var parameters: [String: String] = [:]
    var rest = text[schemeEnd...].drop { $0 == " " }
    while !rest.isEmpty {
      guard let equals = rest.firstIndex(of: "=") else { break }
      let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
      rest = rest[rest.index(after: equals)...]
      var value = ""
      if rest.first == "\"" {
        rest = rest.dropFirst()
        var escaped = false
        var end = rest.endIndex
        for index in rest.indices {
          let character = rest[index]
          if escaped {
            value.append(character)
            escaped = false
          } else if character == "\\" {
            escaped = true
          } else if character == "\"" {
            end = index
            break
          } else {
            value.append(character)
          }
        }
        rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
      } else {
        let end = rest.firstIndex(of: ",") ?? rest.endIndex
        value = rest[..<end].trimmingCharacters(in: .whitespaces)
        rest = rest[end...]
      }
      parameters[key] = value
      rest = rest.drop { $0 == "," || $0 == " " }
    }
    return AuthChallenge(scheme: scheme, parameters: parameters)
  }
}

/// What the client has learned about the registry's auth, and the tokens it holds.
struct AuthState: Sendable {
  /// The registry asked for Basic auth: send it up front from now on.
  var usesBasic = false
  var tokens: [String: (token: Secret, expires: Date)] = [:]
  /// Token requests in flight, by scope: concurrent requests that hit the same challenge share one.
  var pending: [String: Task<Secret, any Error>] = [:]
}

extension RegistryClient {
  /// The authorization to send before any challenge: Basic once the registry asked for it, a cached token
  /// for the scope, or none.
  func cachedAuthorization(for scope: AuthScope) -> HTTPAuthorization? {
    auth.withLock { state in
      if state.usesBasic, let credential {
        return .basic(username: credential.username, password: credential.password)
      }
      // A pull,push token also serves pulls of the same repository.
      let keys =
        [scope.description] + (scope.isPullOnly ? [AuthScope.push(scope.primaryRepository ?? "").description] : [])
      for key in keys {
        if let cached = state.tokens[key], cached.expires > Date() { return .bearer(cached.token) }
      }
      return nil
    }
  }

  /// Answers a challenge: Basic with the credentials, or a token from the realm. Nil when there is nothing
  /// to answer with (no credentials for Basic), so that the 401 stands.
  func authorize(_ challenge: AuthChallenge, scope: AuthScope) async throws(RegistryError) -> HTTPAuthorization? {
    switch challenge.scheme {
    case "basic":
      guard let credential else { return nil }
      auth.withLock { $0.usesBasic = true }
      return .basic(username: credential.username, password: credential.password)
    case "bearer":
      let token = try await fetchToken(challenge, scope: scope)
      return .bearer(token)
    default:
      return nil
    }
  }

  /// A token for `scope`: one request to the realm however many tasks ask at once, cached until it expires.
  func fetchToken(_ challenge: AuthChallenge, scope: AuthScope) async throws(RegistryError) -> Secret {
    let key = scope.description
    let task = auth.withLock { state in
      if let pending = state.pending[key] { return pending }
      let task = Task { () async throws -> Secret in
        defer { self.auth.withLock { _ = $0.pending.removeValue(forKey: key) } }
        return try await self.requestToken(challenge, scope: scope)
      }
      state.pending[key] = task
      return task
    }
    switch await task.result {
    case .success(let token): return token
    case .failure(let error as RegistryError): throw error
    case .failure(let error):
      throw RegistryError(.unreachable, "getting a token from \(registry) failed: \(error)", cause: error)
    }
  }

  /// GETs a token from the challenge's realm for `scope` (and the challenge's own scope), with the
  /// credentials as Basic auth when there are any, and caches it until it expires.
  func requestToken(_ challenge: AuthChallenge, scope: AuthScope) async throws(RegistryError) -> Secret {
    guard let realm = challenge.parameters["realm"], realm.hasPrefix("https://") || realm.hasPrefix("http://") else {
      throw RegistryError(.protocolError, "registry \(registry) sent a Bearer challenge without a usable realm")
    }
    let scopes = Self.mergeScopes(scope.parameters, challenge.parameters["scope"])
    var query: [URLQueryItem] = []
    if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
    for entry in scopes { query.append(URLQueryItem(name: "scope", value: entry)) }
    if let credential { query.append(URLQueryItem(name: "account", value: credential.username)) }
    guard var components = URLComponents(string: realm) else {
      throw RegistryError(.protocolError, "registry \(registry) sent a Bearer challenge with a malformed realm")
    }
    components.queryItems = (components.queryItems ?? []) + query
    // `+` in a query means space to many servers; scopes never hold one, but encode it anyway.
    components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
    guard let url = components.string else {
      throw RegistryError(.protocolError, "registry \(registry) sent a Bearer challenge with a malformed realm")
    }
    var request = HTTPRequest(method: .get, url: url)
    if let credential { request.authorization = .basic(username: credential.username, password: credential.password) }
    let response = try await execute(request, what: "getting a token", repository: scope.primaryRepository)
    guard response.status == 200 else {
      if response.status == 401, credential == nil {
        throw noCredentialsError(repository: scope.primaryRepository, status: response.status, body: response.body)
      }
      if response.status == 401 || response.status == 403 {
        throw RegistryError(
          response.status == 401 ? .unauthorized : .denied,
          "the token service of registry \(registry) refused the credentials for \(scope.primaryRepository ?? "the registry") "
            + "(HTTP \(response.status)). Check --registry-user/--password-stdin or ~/.docker/config.json",
          httpStatus: response.status, details: RegistryError.decodeDetails(response.body))
      }
      throw statusError(response, repository: scope.primaryRepository, what: "getting a token")
    }
    guard let json = try? JSONValue(parsing: response.body),
      let token = json["token"]?.stringValue ?? json["access_token"]?.stringValue, !token.isEmpty
    else {
      throw RegistryError(.protocolError, "the token service of registry \(registry) answered without a token")
    }
    // Tokens last 60 s unless said otherwise; renew 10 s early so that none expires in flight.
    let lifetime = Double(json["expires_in"]?.intValue ?? 60)
    let secret = Secret(token)
    auth.withLock { state in
      state.tokens[scope.description] = (secret, Date().addingTimeInterval(max(lifetime - 10, 1)))
    }
    return secret
  }

  /// Our scopes plus those a challenge asks for, one entry per resource with the union of actions
  /// (`repository:a:pull,push` and the challenge's `repository:a:push,pull` are one scope).
  static func mergeScopes(_ ours: [String], _ asked: String?) -> [String] {
    var order: [String] = []
    var actions: [String: [String]] = [:]
    for entry in ours + (asked?.split(separator: " ").map(String.init) ?? []) {
      guard let colon = entry.lastIndex(of: ":") else { continue }
      let resource = String(entry[..<colon])
      if actions[resource] == nil { order.append(resource) }
      for action in entry[entry.index(after: colon)...].split(separator: ",").map(String.init)
      where !(actions[resource] ?? []).contains(action) {
        actions[resource, default: []].append(action)
      }
    }
    return order.map { "\($0):\((actions[$0] ?? []).joined(separator: ","))" }
  }

  /// Checks that the registry answers and accepts the credentials (`GET /v2/`).
  ///
  /// #### Errors
  /// ``RegistryError``: `.unreachable`/`.tls` when it cannot be reached, `.unauthorized` when it refuses.
  public func ping() async throws(RegistryError) {
    let response = try await send(
      HTTPRequest(method: .get, url: "\(baseURL)/v2/"), scope: .registry, what: "checking the API version")
    guard response.status == 200 else {
      throw statusError(response, repository: nil, what: "access")
    }
  }
}
