public import Foundation
public import ServestackCore

/// A request that got no HTTP response: the transfer failed, or was refused before it started. (An HTTP
/// error status is a response, not an ``HTTPError``.)
public struct HTTPError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String {
      case connectionFailed, connectionRefused, connectionClosed, dns, timedOut, tls, proxy, invalidURL,
        invalidRequest, fileIO, bodyTooLarge, cancelled, digestMismatch, bodyDigestMismatch, other
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// The connection could not be made or broke (network unreachable, reset).
    public static let connectionFailed = Code(.connectionFailed)
    /// Nothing listens on the host and port.
    public static let connectionRefused = Code(.connectionRefused)
    /// The server closed the connection before a full response (empty reply, truncated body).
    public static let connectionClosed = Code(.connectionClosed)
    /// The host name did not resolve.
    public static let dns = Code(.dns)
    /// The connect timeout or the request's total timeout expired.
    public static let timedOut = Code(.timedOut)
    /// The TLS handshake failed: certificate verification, client certificate, protocol.
    public static let tls = Code(.tls)
    /// The proxy could not be resolved, reached, or refused the tunnel.
    public static let proxy = Code(.proxy)
    /// The URL is malformed, or its scheme is not allowed.
    public static let invalidURL = Code(.invalidURL)
    /// A header or option of the request is unusable (a header with a line break, an unreadable PEM file).
    public static let invalidRequest = Code(.invalidRequest)
    /// The request body could not be read, or the destination file written.
    public static let fileIO = Code(.fileIO)
    /// A response body exceeded the in-memory limit.
    public static let bodyTooLarge = Code(.bodyTooLarge)
    /// The task was cancelled, the stream dropped or the client shut down.
    public static let cancelled = Code(.cancelled)
    /// The body's SHA-256 differs from the expected digest.
    public static let digestMismatch = Code(.digestMismatch)
    /// The request body's SHA-256 differs from its ``HTTPRequest/bodyDigestCheck``: the request was stopped
    /// before its last byte was sent.
    public static let bodyDigestMismatch = Code(.bodyDigestMismatch)
    public static let other = Code(.other)

    public var description: String { value.rawValue }
  }

  public var code: Code
  public var message: String
  /// The request's URL, without any user:password part.
  public var url: String
  /// libcurl's `CURLcode`, when libcurl reported the failure.
  public var curlCode: Int?
  /// How many times the request was sent before giving up.
  public var attempts: Int = 1
  public var cause: (any Error & Sendable)?
  /// Whether the request certainly never reached the server (so any method may be retried).
  var notSent = false

  public init(
    _ code: Code, _ message: String, url: String, curlCode: Int? = nil, cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.url = HTTPError.redacting(url)
    self.curlCode = curlCode
    self.cause = cause
  }

  public var category: ErrorCategory {
    switch code {
    case .invalidURL, .invalidRequest, .digestMismatch, .bodyDigestMismatch: .input
    case .fileIO, .bodyTooLarge, .cancelled: .failed
    default: .unreachable
    }
  }

  public var errorDescription: String? { message }
  public var description: String { message }

  /// `url` without `user:password@`, for messages.
  static func redacting(_ url: String) -> String {
    guard url.utf8.contains(UInt8(ascii: "@")), let schemeEnd = url.range(of: "://") else { return url }
    let rest = url[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
    return String(url[..<schemeEnd.upperBound]) + "<redacted>@" + String(rest[rest.index(after: at)...])
  }
}
