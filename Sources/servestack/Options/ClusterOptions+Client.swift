import Foundation
import Kubernetes

extension ClusterOptions {
  /// A client for the kubeconfig and context given (or kubectl's defaults).
  func client() throws(KubeError) -> KubeClient {
    let connection = try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: kubeconfig, context: context))
    return try KubeClient(connection: connection)
  }

  var commandFlags: String {
    var flags = ""
    if let kubeconfig { flags += " --kubeconfig \(PhaseOptions.quoted(kubeconfig))" }
    if let context { flags += " --context \(PhaseOptions.quoted(context))" }
    return flags
  }
}
