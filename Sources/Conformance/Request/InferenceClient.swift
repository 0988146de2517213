public import HTTP
import ServestackCore

/// Sends ``InferenceRequest``s through the ingress with the InferenceService's host in the `Host` header.
public struct InferenceClient: Sendable {
  public let http: HTTPClient

  public init(http: HTTPClient) { self.http = http }

  /// An HTTP client suited to inference requests: no automatic retries (the tests decide), proxies from the
  /// environment as curl takes them, up to `connections` connections per host.
  public static func makeHTTPClient(connections: Int = 8) throws(HTTPError) -> HTTPClient {
    var configuration = HTTPClientConfiguration()
    configuration.retry = .none
    configuration.connectTimeout = .seconds(10)
    configuration.maxConnectionsPerHost = max(1, connections)
    configuration.preferHTTP2 = false
    return try HTTPClient(configuration: configuration)
  }

  /// Sends `request` to `endpoint`; never throws — a transport failure is in the response's `error`.
  public func send(_ request: InferenceRequest, to endpoint: InferenceEndpoint) async -> InferenceResponse {
    var attempt = 0
    while true {
      attempt += 1
      let response = await sendOnce(request, to: endpoint, attempt: attempt)
      let retryable =
        response.status.map { [502, 503, 504].contains($0) } ?? (!response.timedOut && response.error != nil)
      if !retryable || attempt >= request.attempts || Task.isCancelled { return response }
      try? await Task.sleep(for: request.retryInterval)
    }
  }

  func sendOnce(_ request: InferenceRequest, to endpoint: InferenceEndpoint, attempt: Int) async -> InferenceResponse {
    var headers = HTTPHeaders()
    headers.set("Host", endpoint.host)
    headers.set("Accept", "application/json")
    for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) where name.lowercased() != "host" {
      headers.set(name, value)
    }
    var body = HTTPRequestBody.empty
    if let json = request.body {
      body = .bytes(json.serializedBytes())
      headers.set("Content-Type", "application/json")
    }
    var http = HTTPRequest(
      method: HTTPMethod(rawValue: request.method), url: endpoint.url(request.path),
      headers: headers, body: body)
    http.timeout = request.timeout
    http.retry = RetryPolicy.none
    http.destination = .memory(limit: 16 << 20)
    let started = ContinuousClock.now
    do {
      let response = try await self.http.execute(http)
      return InferenceResponse(
        request: request, endpoint: endpoint, status: response.status, body: response.body, error: nil,
        latency: .now - started, attempts: attempt)
    } catch {
      let timedOut = error.code == .timedOut
      let message =
        timedOut ? "no answer within \(formatSeconds(request.timeout.seconds)) (timed out)" : error.message
      return InferenceResponse(
        request: request, endpoint: endpoint, status: nil, body: [], error: message, timedOut: timedOut,
        latency: .now - started, attempts: attempt)
    }
  }
}

extension Duration {
  /// The duration in seconds, as a Double.
  var seconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
  }
}
