import ServestackCore

/// Settings shared by every request of an ``HTTPClient``.
public struct HTTPClientConfiguration: Sendable {
  public var tls = TLSConfiguration()
  public var proxy = ProxyConfiguration.environment
  /// Credentials for requests that carry none of their own.
  public var authorization: HTTPAuthorization?
  /// Time allowed to connect, TLS handshake included.
  public var connectTimeout: Duration = .seconds(10)
  /// Default time limit of one attempt of a request, for requests that set none; nil for no limit.
  public var timeout: Duration?
  public var retry = RetryPolicy.default
  /// Connections kept open to one host; further requests wait for one (HTTP/2 multiplexes on one).
  public var maxConnectionsPerHost = 8
  /// Use HTTP/2 over TLS when the server offers it (ALPN); plain http always uses HTTP/1.1.
  public var preferHTTP2 = true
  public var userAgent = "servestack/\(ToolInfo.version)"
  /// Allow `http://` URLs; registries use it only when asked (`--plain-http`).
  public var allowPlainHTTP = true

  public init() {}
}
