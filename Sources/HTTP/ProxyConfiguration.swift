public import Foundation

/// Which proxy requests go through.
public enum ProxyConfiguration: Sendable {
  /// `HTTPS_PROXY`/`https_proxy` for https URLs, `HTTP_PROXY`/`http_proxy` for http URLs (`ALL_PROXY` as a
  /// fallback), except for hosts matching `NO_PROXY`/`no_proxy`; read when the client is created.
  case environment
  /// Connect directly, whatever the environment says.
  case none
  /// This proxy for every request (kubeconfig `proxy-url`).
  case url(String)
  /// Explicit per-scheme rules, as ``environment`` would produce them.
  case rules(ProxyRules)
}

/// Per-scheme proxies and the hosts that bypass them.
public struct ProxyRules: Sendable, Equatable {
  public var httpProxy: String?
  public var httpsProxy: String?
  /// Comma-separated host names, domains (`.example.com`), IP addresses or CIDR ranges, or `*`.
  public var noProxy: String?

  public init(httpProxy: String? = nil, httpsProxy: String? = nil, noProxy: String? = nil) {
    self.httpProxy = httpProxy
    self.httpsProxy = httpsProxy
    self.noProxy = noProxy
  }

  /// The rules the usual environment variables describe. Both spellings are honoured, lower case first
  /// (libcurl on its own ignores upper-case `HTTP_PROXY`; tools such as kubectl do not).
  public static func environment(_ variables: [String: String] = ProcessInfo.processInfo.environment) -> ProxyRules {
    func value(_ name: String) -> String? {
      for key in [name.lowercased(), name.uppercased()] {
        if let text = variables[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return text }
      }
      return nil
    }
    let all = value("all_proxy")
    return ProxyRules(
      httpProxy: value("http_proxy") ?? all, httpsProxy: value("https_proxy") ?? all, noProxy: value("no_proxy"))
  }

  /// The proxy for a URL with `scheme`, or nil for none.
  func proxy(forScheme scheme: String) -> String? {
    scheme.lowercased() == "https" ? httpsProxy : httpProxy
  }
}
