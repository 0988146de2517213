public import Foundation
public import ServestackCore

/// What a request sends. File bodies are streamed from disk by libcurl's read callback, never loaded whole,
/// and are read again from the start when the request is retried.
public enum HTTPRequestBody: Sendable {
  case empty
  case bytes([UInt8])
  case file(URL)
  /// `length` bytes of a file starting at `offset` (a chunk of a chunked blob upload).
  case fileRange(URL, offset: Int64, length: Int64)

  /// A UTF-8 text body (JSON, YAML).
  public static func text(_ text: String) -> HTTPRequestBody { .bytes(Array(text.utf8)) }
}

/// Where the response body goes.
public enum HTTPResponseDestination: Sendable {
  /// Kept in ``HTTPResponse/body``; a body longer than `limit` bytes fails with ``HTTPError/Code/bodyTooLarge``.
  case memory(limit: Int = 256 << 20)
  /// Streamed to this file (created or truncated), its SHA-256 computed on the way.
  case file(URL)
  /// Written into an existing file at `offset` with positional writes (the file is neither created nor
  /// truncated, so several transfers can fill disjoint regions of one file at once), its SHA-256 computed on
  /// the way; a body longer than `length` fails with ``HTTPError/Code/fileIO`` before it writes past it.
  case fileRegion(URL, offset: Int64, length: Int64)
}

/// Credentials sent with a request. Curl sends them only to the host of the request's URL: a redirect to
/// another host, port or scheme goes there without them.
public enum HTTPAuthorization: Sendable {
  case bearer(Secret)
  case basic(username: String, password: Secret)
}

/// How far a transfer has got. Totals are nil while unknown (no `Content-Length` yet, or none at all).
public struct HTTPProgress: Sendable, Equatable {
  public var bytesSent: Int64
  public var bytesReceived: Int64
  public var totalToSend: Int64?
  public var totalToReceive: Int64?

  public init(bytesSent: Int64, bytesReceived: Int64, totalToSend: Int64?, totalToReceive: Int64?) {
    self.bytesSent = bytesSent
    self.bytesReceived = bytesReceived
    self.totalToSend = totalToSend
    self.totalToReceive = totalToReceive
  }
}

/// One HTTP request. Settings left nil fall back to the client's ``HTTPClientConfiguration``.
public struct HTTPRequest: Sendable {
  public var method: HTTPMethod
  public var url: String
  public var headers: HTTPHeaders
  public var body: HTTPRequestBody
  public var destination: HTTPResponseDestination = .memory()
  /// The whole exchange's time limit, per attempt; nil uses the client's (which may be none).
  public var timeout: Duration?
  /// nil uses the client's policy.
  public var retry: RetryPolicy?
  /// nil uses the client's credentials.
  public var authorization: HTTPAuthorization?
  /// The caller vouches that sending this request again is harmless although its method is not idempotent
  /// (a registry's `POST …/blobs/uploads/` only opens a session): it is retried like a GET.
  public var safeToRepeat = false
  /// Whether a failed attempt may be repeated: an idempotent method, or ``safeToRepeat``.
  var isRepeatable: Bool { method.isIdempotent || safeToRepeat }
  /// Follow 3xx redirects (registry blob GETs redirect to storage). Credentials are not sent to other hosts.
  public var followRedirects = false
  /// When set, a body whose SHA-256 differs fails with ``HTTPError/Code/digestMismatch`` (2xx responses only).
  public var expectedDigest: Digest?
  /// When set, the request body is hashed as it is sent, and the request that completes the upload fails
  /// with ``HTTPError/Code/bodyDigestMismatch`` before its last byte when the upload's bytes do not hash to
  /// the check's digest (see ``BodyDigestCheck``).
  public var bodyDigestCheck: BodyDigestCheck?
  /// Called on the client's transfer thread as bytes move; keep it quick and non-blocking.
  public var progress: (@Sendable (HTTPProgress) -> Void)?

  public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = [:], body: HTTPRequestBody = .empty) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
  }
}
