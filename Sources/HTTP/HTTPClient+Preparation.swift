import Foundation

/// A request checked and resolved once, before its attempts: URL, TLS server name, proxy, headers.
struct PreparedRequest: Sendable {
  var request: HTTPRequest
  var curlURL: String
  var connectTo: String?
  var hostHeader: String?
  var proxy: String
  var noProxy: String
  var configuration: HTTPClientConfiguration

  func spec(
    token: TransferToken, sink: TransferSpec.Sink, onHead: (@Sendable (ResponseHead) -> Void)?,
    onComplete: @escaping @Sendable (Result<TransferResult, HTTPError>) -> Void
  ) -> TransferSpec {
    TransferSpec(
      token: token, request: request, curlURL: curlURL, connectTo: connectTo, hostHeader: hostHeader,
      tls: configuration.tls, proxy: proxy, noProxy: noProxy,
      authorization: request.authorization ?? configuration.authorization,
      connectTimeout: configuration.connectTimeout, timeout: request.timeout ?? configuration.timeout,
      preferHTTP2: configuration.preferHTTP2, userAgent: configuration.userAgent,
      protocols: configuration.allowPlainHTTP ? "http,https" : "https", loopbackOnly: LoopbackFence.isEnabled,
      sink: sink, onHead: onHead,
      onComplete: onComplete)
  }

  func refusedAfterShutdown() -> HTTPError {
    HTTPError(
      .cancelled, "\(request.method) \(HTTPError.redacting(request.url)) was refused: the HTTP client was shut down",
      url: request.url)
  }
}

extension HTTPClient {
  func prepare(_ request: HTTPRequest) throws(HTTPError) -> PreparedRequest {
    // Only error paths need the redacted target; building it for every request showed in profiles.
    var target: String { "\(request.method) \(HTTPError.redacting(request.url))" }
    guard let components = URLComponents(string: request.url), let rawScheme = components.scheme,
      let rawHost = components.host, !rawHost.isEmpty
    else {
      throw HTTPError(.invalidURL, "\(target): not an absolute http(s) URL", url: request.url)
    }
    let scheme = rawScheme.lowercased()
    guard scheme == "https" || scheme == "http" else {
      throw HTTPError(
        .invalidURL, "\(target): unsupported scheme '\(rawScheme)'; use https:// or http://", url: request.url)
    }
    guard scheme == "https" || configuration.allowPlainHTTP else {
      throw HTTPError(
        .invalidURL,
        "\(target): plain http is not allowed for this client; use https:// (or allow plain HTTP explicitly)",
        url: request.url)
    }
    try Self.validate(request.headers, request: request)

    var prepared = PreparedRequest(
      request: request, curlURL: request.url, proxy: "", noProxy: "", configuration: configuration)
    let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
    if scheme == "https", let serverName = configuration.tls.serverName, !serverName.isEmpty,
      serverName.lowercased() != host.lowercased()
    {
      // Ask for `serverName` (SNI, certificate check) but connect to the URL's host.
      let port = components.port ?? 443
      let literal = host.contains(":") ? "[\(host)]" : host
      var rewritten = components
      rewritten.host = serverName
      guard let url = rewritten.string else {
        throw HTTPError(.invalidURL, "\(target): cannot use TLS server name '\(serverName)'", url: request.url)
      }
      prepared.curlURL = url
      prepared.connectTo = "\(serverName):\(port):\(literal):\(port)"
      prepared.hostHeader = components.port.map { "\(literal):\($0)" } ?? literal
    }

    let rules: ProxyRules
    switch configuration.proxy {
    case .none: rules = ProxyRules()
    case .url(let url): rules = ProxyRules(httpProxy: url, httpsProxy: url)
    case .environment: rules = environmentProxy
    case .rules(let given): rules = given
    }
    prepared.proxy = rules.proxy(forScheme: scheme) ?? ""
    prepared.noProxy = rules.noProxy ?? ""
    return prepared
  }

  /// Refuses names and values that would break the request's framing (header injection).
  static func validate(_ headers: HTTPHeaders, request: HTTPRequest) throws(HTTPError) {
    for field in headers {
      let badName = field.name.isEmpty || field.name.utf8.contains { $0 <= 32 || $0 >= 127 || $0 == UInt8(ascii: ":") }
      let badValue = field.value.utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 }
      if badName || badValue {
        throw HTTPError(
          .invalidRequest,
          "\(request.method) \(HTTPError.redacting(request.url)): header '\(field.name)' has characters a header cannot carry (line breaks, controls)",
          url: request.url)
      }
    }
  }
}
