public import ServestackCore

/// A completed exchange. Any HTTP status is a response, not an error: check ``status``.
public struct HTTPResponse: Sendable {
  public var status: Int
  /// The headers of the final response (not those of redirects or `100 Continue`).
  public var headers: HTTPHeaders
  /// The body, for ``HTTPResponseDestination/memory(limit:)``; empty for ``HTTPResponseDestination/file(_:)``.
  public var body: [UInt8]
  public var bodyLength: Int64
  /// SHA-256 of the body as received (after any redirects); always set.
  public var bodyDigest: Digest?
  /// `"1.1"`, `"2"` (or `"1.0"`, `"3"`).
  public var httpVersion: String
  /// How many times the request was sent, retries included.
  public var attempts: Int
  /// The URL that answered: the request's, or the last redirect target.
  public var url: String

  public init(
    status: Int, headers: HTTPHeaders, body: [UInt8], bodyLength: Int64, bodyDigest: Digest?, httpVersion: String,
    attempts: Int, url: String
  ) {
    self.status = status
    self.headers = headers
    self.body = body
    self.bodyLength = bodyLength
    self.bodyDigest = bodyDigest
    self.httpVersion = httpVersion
    self.attempts = attempts
    self.url = url
  }

  /// Whether the status is 2xx.
  public var isSuccess: Bool { (200..<300).contains(status) }

  /// The body decoded as UTF-8 (invalid sequences replaced).
  public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body arrives as it is received (Kubernetes watches, log follows). Stopping the
/// iteration, or dropping the stream, aborts the transfer.
public struct HTTPStreamingResponse: Sendable {
  public var status: Int
  public var headers: HTTPHeaders
  public var httpVersion: String
  /// Body chunks as they arrive; it ends when the server ends the body and throws ``HTTPError`` when the
  /// transfer fails.
  public var body: HTTPBodyStream
}
