import Conformance
import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport
import Testing
import YAML

/// Runs the conformance phases against an apiserver with the iris fixture as the ingress and a
/// ``FakeInferenceController`` playing KServe and Knative.
struct ConformanceCluster: Sendable {
  let client: KubeClient
  let fixture: IrisFixture
  let kubeconfig: String

  /// The real v1.20 apiserver of `SERVESTACK_TEST_KUBECONFIG`, with the trimmed InferenceService CRD.
  static func real() async throws -> ConformanceCluster {
    guard let kubeconfig = TestEnvironment.testKubeconfig else {
      throw TestSetupError(TestEnvironment.missingClusterReason)
    }
    return try await make(kubeconfig: kubeconfig)
  }

  static func make(kubeconfig: String) async throws -> ConformanceCluster {
    let client = try KubeClient(
      connection: try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: kubeconfig, environment: [:])))
    try await CRDInstaller.shared.install(client: client, key: kubeconfig)
    return ConformanceCluster(client: client, fixture: try await IrisFixture.shared(), kubeconfig: kubeconfig)
  }

  /// Applies the trimmed InferenceService CRD once per apiserver and waits until it is Established.
  actor CRDInstaller {
    static let shared = CRDInstaller()
    var done: Set<String> = []

    func install(client: KubeClient, key: String) async throws {
      guard !done.contains(key) else { return }
      let url = try ReportFixtures.resources.appendingPathComponent("inferenceservice-crd-trimmed.yaml")
      let crd = KubeObject(try YAMLParser.parseDocument(try String(contentsOf: url, encoding: .utf8)))
      _ = try await client.apply(crd, options: ApplyOptions(force: true, fieldManager: "servestack-conformance-tests"))
      let result = await Waiter(client: client).wait(
        for: try #require(crd.reference), until: .established, timeout: .seconds(30))
      guard result.satisfied else { throw TestSetupError("the InferenceService CRD is not Established: \(result)") }
      done.insert(key)
    }
  }

  /// The test phases of the repository's `phases/` folder, loaded and validated by the Phases module, in run
  /// order.
  static func phases(_ names: [String], profile: String = "serverless") throws -> [TestPhase] {
    let phases = try TestPhase.select(
      phases: TestEnvironment.packageRoot.appendingPathComponent("phases"), profile: profile, only: names)
    guard phases.count == names.count else { throw TestSetupError("test phases \(names) not all found") }
    return phases
  }

  /// Parameters that keep the tests fast; each test may override them.
  func fastParameters(_ overrides: [String: String] = [:]) -> [String: String] {
    [
      "readyTimeout": "60s", "requestTimeout": "20s", "loadDuration": "4s", "loadConcurrency": "4",
      "scaleUpTimeout": "30s", "scaleDownTimeout": "30s", "dcgmURL": fixture.dcgmURL,
    ].merging(overrides) { _, new in new }
  }

  /// Runs `phases` with a fresh controller; returns the report and the controller's problems.
  func run(
    _ phases: [TestPhase], behaviour: FakeInferenceController.Behaviour = .init(), parameters: [String: String] = [:],
    requireGPU: Bool = false, profile: String = "serverless", keep: Bool = false, phaseTimeout: Duration? = nil,
    namespacePrefix: String = "servestack-test-"
  ) async throws -> ConformanceReport {
    let controller = FakeInferenceController(
      client: client, fixture: fixture, testCase: String(UUID().uuidString.prefix(8)).lowercased(), behaviour: behaviour
    )
    controller.start()
    let runner = TestRunner(client: client, http: try InferenceClient.makeHTTPClient(connections: 16))
    let options = TestRunOptions(
      profile: profile, namespacePrefix: namespacePrefix, keep: keep, requireGPU: requireGPU,
      ingressURL: fixture.ingressURL,
      parameters: fastParameters(parameters), phaseTimeout: phaseTimeout, namespaceLabels: controller.namespaceLabels)
    do {
      let report = try await runner.run(phases, options: options)
      await controller.stop()
      if report.outcome == .failed || !controller.problems.isEmpty {
        FileHandle.standardError.write(Data((report.consoleTable() + controller.problems.joined(separator: "\n")).utf8))
      }
      return report
    } catch {
      await controller.stop()
      throw error
    }
  }
}

extension ConformanceReport {
  func check(_ phase: String, _ name: String) -> CheckResult? {
    phases.first { $0.name == phase }?.checks.first { $0.name == name }
  }

  func phase(_ name: String) -> PhaseReport? { phases.first { $0.name == name } }
}
