import Conformance
import Foundation
import Kubernetes
import Phases

extension InstallTestFlags {
  /// The Conformance module's test runner with `servestack test`'s defaults and these flags: the tests at
  /// the end of `install` and of `upgrade apply`.
  func runner(client: KubeClient, parameters: [String: String], output: OutputFormat) throws -> InstallTestRunner {
    let terminal = Terminal.standardError
    let text = output == .text
    let options = TestRunOptions(
      requireGPU: run.requireGPU, ingressURL: run.ingress, inCluster: client.connection.isInCluster,
      parameters: parameters,
      progress: { event in if text { Servestack.Test.progress(event, terminal: terminal) } })
    return InstallTestRunner(
      http: try InferenceClient.makeHTTPClient(connections: 8), options: options,
      reportJSON: run.reportJson.map { URL(fileURLWithPath: $0) },
      reportJUnit: run.reportJunit.map { URL(fileURLWithPath: $0) },
      reportHTML: run.reportHtml.map { URL(fileURLWithPath: $0) })
  }

  /// The InferenceService `upgrade apply` asks during the upgrade, sent where the tests send theirs.
  func probe(client: KubeClient, profile: Profile, parameters: [String: String]) throws -> InferenceProbe {
    InferenceProbe(
      http: try InferenceClient.makeHTTPClient(connections: 2), profile: profile.rawValue, ingressURL: run.ingress,
      inCluster: client.connection.isInCluster, parameters: parameters)
  }
}
