import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// Faults the v1.20 test cluster cannot produce (its hollow kubelets pull no images), on a private instance
/// of the fake apiserver (Resources/FakeKube) configured to make predictor pods fail to pull.
@Suite(
  "Conformance faults on the fake apiserver",
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"))
struct ConformanceFakeApiserverTests {
  actor Server {
    static let shared = Server()
    var kubeconfig: String?
    var process: ChildProcess?

    func start() async throws -> String {
      if let kubeconfig, process?.isRunning == true { return kubeconfig }
      let fake = try await FakeKubeProcess.start(
        config: ["neverReady": ["*/sklearn-iris-predictor*"]], prefix: "sstest-conformance-fake")
      process = fake.process
      kubeconfig = fake.kubeconfig
      return fake.kubeconfig
    }
  }

  @Test(
    "13. a predictor pod that cannot pull its image fails ready with the image and the pull error",
    .enabled(
      if: TestEnvironment.which("python3") != nil && TestEnvironment.which("openssl") != nil,
      "needs python3 and openssl"))
  func imagePullError() async throws {
    let cluster = try await ConformanceCluster.make(kubeconfig: try await Server.shared.start())
    let report = try await cluster.run(try ConformanceCluster.phases(["smoke"]), parameters: ["readyTimeout": "10s"])
    #expect(report.outcome == .failed && report.exitCode == 1)
    let ready = try #require(report.check("smoke", "ready"))
    #expect(ready.outcome == .failed)
    #expect(
      ready.reason.contains(
        "Ready=False (RevisionFailed: Revision \"sklearn-iris-predictor-00001\" failed with message:"),
      "\(ready.reason)")
    #expect(
      ready.diagnosis.contains { $0.contains("ImagePullBackOff") && $0.contains("image=kserve/sklearnserver:v0.16.0") },
      "\(ready.diagnosis)")
    #expect(report.check("smoke", "v1-predict")?.outcome == .skipped)
    #expect(report.check("smoke", "cleanup")?.outcome == .passed)
  }
}
