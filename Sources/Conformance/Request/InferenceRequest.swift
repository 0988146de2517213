import Foundation
public import ServestackCore

/// One request a test phase sends to a model server through the ingress.
public struct InferenceRequest: Sendable, Hashable {
  public var method: String
  /// `/v1/models/sklearn-iris:predict`.
  public var path: String
  /// A JSON body (sent with `Content-Type: application/json`); nil for none.
  public var body: JSONValue?
  /// Extra headers; `Host` is set from the endpoint and cannot be overridden here.
  public var headers: [String: String]
  /// Time allowed for one attempt.
  public var timeout: Duration
  /// Attempts in all, for answers that mean "not routed yet" (connection refused, 502, 503, 504) — never
  /// for a timeout or another status.
  public var attempts: Int
  /// Pause between attempts.
  public var retryInterval: Duration

  public init(
    method: String = "POST", path: String, body: JSONValue? = nil, headers: [String: String] = [:],
    timeout: Duration = .seconds(30), attempts: Int = 1, retryInterval: Duration = .seconds(2)
  ) {
    self.method = method
    self.path = path
    self.body = body
    self.headers = headers
    self.timeout = timeout
    self.attempts = max(1, attempts)
    self.retryInterval = retryInterval
  }

  /// `POST /v1/models/sklearn-iris:predict`.
  public var line: String { "\(method) \(path)" }
}

/// What came back: a status and body, or the transport error that prevented one.
public struct InferenceResponse: Sendable {
  public var request: InferenceRequest
  public var endpoint: InferenceEndpoint
  /// nil when no HTTP response arrived (see ``error``).
  public var status: Int?
  public var body: [UInt8]
  /// The transport failure (connection refused, timed out), as a sentence.
  public var error: String?
  /// Whether the failure was a timeout.
  public var timedOut: Bool
  /// Time of the last attempt, from sending to the last byte.
  public var latency: Duration
  public var attempts: Int

  public init(
    request: InferenceRequest, endpoint: InferenceEndpoint, status: Int?, body: [UInt8], error: String?,
    timedOut: Bool = false, latency: Duration, attempts: Int
  ) {
    self.request = request
    self.endpoint = endpoint
    self.status = status
    self.body = body
    self.error = error
    self.timedOut = timedOut
    self.latency = latency
    self.attempts = attempts
  }

  public var text: String { String(decoding: body, as: UTF8.self) }

  /// The body parsed as JSON; nil when it is not JSON.
  public var json: JSONValue? { try? JSONValue(parsing: body) }

  /// The body for messages: at most 300 characters on one line; `(empty body)` when there is none.
  public var bodyExcerpt: String {
    let text = oneLine(self.text).trimmingCharacters(in: .whitespaces)
    if text.isEmpty { return "(empty body)" }
    return text.count > 300 ? String(text.prefix(300)) + "…" : text
  }

  /// `POST http://127.0.0.1:8080/v1/models/x:predict (Host: x.ns.example.com)`.
  public var target: String { "\(request.method) \(endpoint.url(request.path)) (Host: \(endpoint.host))" }

  /// What an empty 404 from the gateway means.
  static func noRouteHint(_ host: String) -> String {
    "the ingress has no route for Host \(host) (is status.url's host served by this gateway? check the domain and --ingress)"
  }

  /// Why there was no usable answer, in one sentence, with what to look at.
  public var failureSummary: String {
    if let error {
      return "\(target): \(error)" + (attempts > 1 ? " (after \(attempts) attempts)" : "")
    }
    var text = "\(target) answered \(status.map(String.init) ?? "nothing")"
    if status == 404 && body.isEmpty {
      text += ": " + Self.noRouteHint(endpoint.host)
    } else {
      text += ": \(bodyExcerpt)"
    }
    return text
  }
}
