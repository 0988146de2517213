import Foundation
import HTTP
import ServestackCore

/// In-cluster configuration: the pod's service account, as client-go's `rest.InClusterConfig` reads it.
enum InCluster {
  static func isAvailable(_ options: KubeConfigOptions) -> Bool {
    guard let host = options.environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
      let port = options.environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
    else { return false }
    return FileManager.default.fileExists(atPath: options.inClusterRoot + "/token")
  }

  static func load(_ options: KubeConfigOptions) throws(KubeError) -> ClusterConnection {
    let root = options.inClusterRoot
    guard let host = options.environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
      let port = options.environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
    else {
      throw .badConfig("in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set")
    }
    guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
      throw .badConfig("in-cluster config: KUBERNETES_SERVICE_PORT '\(port)' is not a port number")
    }
    let tokenPath = root + "/token"
    guard FileManager.default.isReadableFile(atPath: tokenPath) else {
      throw .badConfig("in-cluster config: cannot read the service-account token \(tokenPath)")
    }
    var tls = TLSConfiguration()
    let caPath = root + "/ca.crt"
    if FileManager.default.fileExists(atPath: caPath) {
      guard let data = FileManager.default.contents(atPath: caPath),
        MergedKubeConfig.Entry.looksLikePEM(Array(data))
      else {
        throw .badConfig("in-cluster config: \(caPath) is not a readable PEM certificate")
      }
      tls.certificateAuthority = .file(caPath)
    }
    var namespace = "default"
    if let data = FileManager.default.contents(atPath: root + "/namespace") {
      let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      if !text.isEmpty { namespace = text }
    }
    if let override = options.namespace, !override.isEmpty { namespace = override }
    let hostPart = host.contains(":") ? "[\(host)]" : host
    return ClusterConnection(
      server: "https://\(hostPart):\(portNumber)", tls: tls, credentials: .tokenFile(tokenPath),
      proxy: .environment, namespace: namespace, source: "\(ClusterConnection.inClusterSource) (\(root))")
  }
}
