import Foundation

/// Where an InferenceService is reached: the ingress address requests are sent to, and the host the ingress
/// routes by (the InferenceService's `status.url` host), sent as the `Host` header as KServe's docs do with
/// `curl -H "Host: ${SERVICE_HOSTNAME}" http://${INGRESS_HOST}:${INGRESS_PORT}/…`.
public struct InferenceEndpoint: Sendable, Hashable, CustomStringConvertible {
  /// `http://192.0.2.10:80` — scheme, host and port, no path.
  public var ingressURL: String
  /// `sklearn-iris.servestack-test-ab12c.example.com`.
  public var host: String

  public init(ingressURL: String, host: String) {
    var url = ingressURL
    while url.hasSuffix("/") { url.removeLast() }
    self.ingressURL = url
    self.host = host
  }

  /// The URL for `path` (which starts with `/`).
  public func url(_ path: String) -> String { ingressURL + (path.hasPrefix("/") ? path : "/" + path) }

  public var description: String { "\(ingressURL) (Host: \(host))" }

  /// The host of a URL such as an InferenceService's `status.url` (`http://x.ns.example.com`), without the port.
  public static func host(ofURL url: String) -> String? {
    var rest = Substring(url)
    if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    let hostPort = authority.split(separator: "@").last ?? authority
    if hostPort.hasPrefix("[") { return hostPort.split(separator: "]").first.map { String($0) + "]" } }
    let host = hostPort.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
    return host.isEmpty ? nil : host
  }
}
