import Foundation
import HTTP
import Logging
import ServestackCore
import Synchronization

/// One request to the apiserver, before credentials and retries.
struct APIRequest: Sendable {
  /// How a request may be repeated.
  enum Repeat: Sendable {
    /// GET, LIST, WATCH: on connection failures and on the policy's statuses (429, 500, 503, 504).
    case read
    /// Server-side apply: the same as reads. An apply states the whole desired intent of one field
    /// manager, so sending it twice leaves the object exactly as sending it once does: it is idempotent by
    /// construction even though PATCH in general is not.
    case apply
    /// Create, merge patch, update, delete: only when it never reached the server, or on 429 (which the
    /// apiserver's rate limiting answers before it does anything).
    case write
  }

  var method: HTTPMethod
  var path: String
  var query: [(String, String)] = []
  var body: [UInt8]?
  var contentType: String?
  var accept = "application/json"
  var repeats: Repeat
  /// nil uses the client's request timeout.
  var timeout: Duration?
  /// `apply deployment kserve/x`, for messages.
  var what: String
  var object: ObjectReference?

  init(_ method: HTTPMethod, _ path: String, repeats: Repeat, what: String, object: ObjectReference? = nil) {
    self.method = method
    self.path = path
    self.repeats = repeats
    self.what = what
    self.object = object
  }
}

/// Sends ``APIRequest``s: builds URLs, adds credentials (renewing them after a 401), applies the retry
/// rules, and turns non-2xx answers into ``KubeError``. Shared by the client and its REST mapper.
final class APITransport: Sendable {
  let connection: ClusterConnection
  let options: KubeClientOptions
  let credentials: CredentialStore
  private let clients: Mutex<(key: [UInt8]?, client: HTTPClient)>
  private let requestCount = Atomic<Int>(0)

  init(connection: ClusterConnection, options: KubeClientOptions) throws(KubeError) {
    self.connection = connection
    self.options = options
    credentials = CredentialStore(connection: connection, execTimeout: options.execPluginTimeout)
    let client = try Self.makeClient(connection: connection, options: options, certificate: nil)
    clients = Mutex((key: nil, client: client))
  }

  /// Requests sent so far (attempts not counted twice).
  var requestsSent: Int { requestCount.load(ordering: .relaxed) }

  func url(_ path: String, _ query: [(String, String)]) -> String {
    var url = connection.server + path
    if !query.isEmpty {
      url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }
    return url
  }

  /// Sends `request` and returns the 2xx answer.
  ///
  /// #### Errors
  /// ``KubeError`` from the server's `Status`, or for the transport failure.
  func send(_ request: APIRequest) async throws(KubeError) -> HTTPResponse {
    let response = try await exchange(request)
    guard response.isSuccess else {
      throw KubeError.from(response: response, what: request.what, object: request.object, source: connection.source)
    }
    return response
  }

  /// Sends `request` and returns the final answer, whatever its status.
  func exchange(_ request: APIRequest) async throws(KubeError) -> HTTPResponse {
    var attempt = 0
    var renewed = false
    while true {
      attempt += 1
      let credential = try await credentials.credential()
      let client = try httpClient(for: credential)
      requestCount.add(1, ordering: .relaxed)
      let started = ContinuousClock.now
      let outcome: Result<HTTPResponse, HTTPError>
      do {
        outcome = .success(try await client.execute(httpRequest(request, credential)))
      } catch {
        outcome = .failure(error)
      }
      switch outcome {
      case .success(let response):
        log(request, status: response.status, started: started)
        if response.status == 401, !renewed, await credentials.invalidate(generation: credential.generation) {
          renewed = true
          continue
        }
        if attempt < options.retry.maxAttempts, shouldRetry(status: response.status, request.repeats) {
          try await pause(options.retry.delay(attempt, response.headers["Retry-After"]), request)
          continue
        }
        return response
      case .failure(let error):
        log(request, status: nil, started: started, error: error)
        if attempt < options.retry.maxAttempts, shouldRetry(error, request.repeats) {
          try await pause(options.retry.backoff(afterAttempt: attempt), request)
          continue
        }
        throw KubeError.from(transport: error, what: request.what, server: connection.server, source: connection.source)
          .about(request.object)
      }
    }
  }

  /// Opens a streaming request (watch): retried like a read until the headers arrive.
  func stream(_ request: APIRequest) async throws(KubeError) -> HTTPStreamingResponse {
    var renewed = false
    while true {
      let credential = try await credentials.credential()
      let client = try httpClient(for: credential)
      requestCount.add(1, ordering: .relaxed)
      var http = httpRequest(request, credential)
      http.timeout = nil
      http.retry = options.retry
      let response: HTTPStreamingResponse
      do {
        response = try await client.stream(http)
      } catch {
        throw KubeError.from(transport: error, what: request.what, server: connection.server, source: connection.source)
      }
      if response.status == 401, !renewed, await credentials.invalidate(generation: credential.generation) {
        renewed = true
        continue
      }
      return response
    }
  }

  private func httpRequest(_ request: APIRequest, _ credential: CurrentCredential) -> HTTPRequest {
    var headers: HTTPHeaders = ["Accept": request.accept]
    if let contentType = request.contentType { headers.set("Content-Type", contentType) }
    if let impersonate = connection.impersonate {
      headers.set("Impersonate-User", impersonate.user)
      for group in impersonate.groups { headers.add("Impersonate-Group", group) }
    }
    var http = HTTPRequest(
      method: request.method, url: url(request.path, request.query), headers: headers,
      body: request.body.map { .bytes($0) } ?? .empty)
    http.timeout = request.timeout ?? options.requestTimeout
    http.authorization = credential.authorization
    // Statuses and broken connections are retried in `exchange`, by the rules of `APIRequest.Repeat`.
    // For applies and writes the HTTP layer may still repeat a request that certainly never left (it knows
    // that, we do not); for reads `exchange` covers that too.
    switch request.repeats {
    case .read: http.retry = RetryPolicy.none
    case .apply, .write:
      http.retry = RetryPolicy(
        maxAttempts: options.retry.maxAttempts, initialBackoff: options.retry.initialBackoff,
        maxBackoff: options.retry.maxBackoff, retryableStatuses: [])
    }
    return http
  }

  private func shouldRetry(status: Int, _ repeats: APIRequest.Repeat) -> Bool {
    switch repeats {
    case .read, .apply: options.retry.retryableStatuses.contains(status)
    case .write: status == 429
    }
  }

  private func shouldRetry(_ error: HTTPError, _ repeats: APIRequest.Repeat) -> Bool {
    switch error.code {
    case .connectionRefused: return true
    case .connectionFailed, .connectionClosed, .timedOut: return repeats != .write
    default: return false
    }
  }

  private func pause(_ delay: Duration, _ request: APIRequest) async throws(KubeError) {
    do {
      try await Task.sleep(for: delay)
    } catch {
      throw KubeError(.cancelled, "\(request.what): cancelled while waiting to retry")
    }
  }

  private func log(_ request: APIRequest, status: Int?, started: ContinuousClock.Instant, error: HTTPError? = nil) {
    let elapsed = ContinuousClock.now - started
    options.logger.debug(
      "\(request.method) \(request.path) -> \(status.map(String.init) ?? error?.code.description ?? "?") in \(elapsed)")
  }

  private func httpClient(for credential: CurrentCredential) throws(KubeError) -> HTTPClient {
    let key = credential.clientCertificate.map { $0.certificate + Array($0.key.value.utf8) }
    let existing = clients.withLock { $0.key == key ? $0.client : nil }
    if let existing { return existing }
    let client = try Self.makeClient(
      connection: connection, options: options, certificate: credential.clientCertificate)
    clients.withLock { $0 = (key: key, client: client) }
    return client
  }

  private static func makeClient(
    connection: ClusterConnection, options: KubeClientOptions, certificate: (certificate: [UInt8], key: Secret)?
  ) throws(KubeError) -> HTTPClient {
    var configuration = HTTPClientConfiguration()
    configuration.tls = connection.tls
    if let certificate {
      configuration.tls.clientCertificate = .data(certificate.certificate)
      configuration.tls.clientKey = .data(Array(certificate.key.value.utf8))
    }
    configuration.proxy = connection.proxy
    configuration.connectTimeout = options.connectTimeout
    configuration.timeout = nil
    configuration.retry = .none
    configuration.maxConnectionsPerHost = options.maxConnections
    configuration.preferHTTP2 = true
    do {
      return try HTTPClient(configuration: configuration)
    } catch {
      throw KubeError(.other, "cannot start the HTTP client for \(connection.server): \(error.message)", cause: error)
    }
  }

  /// Percent-encodes a query component (RFC 3986 unreserved characters stay).
  static func escape(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"):
        out.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        out += String(format: "%%%02X", byte)
      }
    }
    return out
  }
}

extension RetryPolicy {
  /// The wait after a retryable status: `Retry-After` when given (capped), else the backoff.
  func delay(_ attempt: Int, _ retryAfter: String?) -> Duration {
    if let retryAfter, let wait = self.retryAfter(retryAfter) { return wait }
    return backoff(afterAttempt: attempt)
  }
}
