import Conformance
import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// `servestack install` runs the test phases through ``InstallTestRunner`` (the Phases module's
/// `TestPhaseRunning` hook): the phase files as the installer selected them, the outcome it prints, the
/// reports it writes.
extension ConformanceClusterTests {
  @Suite("install's test-phase hook")
  struct InstallHook {
    static func smokeSpecs() throws -> [PhaseSpec] {
      let set = try PhaseSet.resolve(phases: TestEnvironment.packageRoot.appendingPathComponent("phases"))
      return try set.selection(profile: .serverless, kinds: [.test], only: ["smoke"])
    }

    @Test("smoke through the install hook passes, summarises and writes both reports")
    func passes() async throws {
      let cluster = try await ConformanceCluster.real()
      let controller = FakeInferenceController(
        client: cluster.client, fixture: cluster.fixture, testCase: String(UUID().uuidString.prefix(8)).lowercased(),
        behaviour: .init())
      controller.start()
      let directory = try TemporaryDirectory()
      let runner = InstallTestRunner(
        http: try InferenceClient.makeHTTPClient(),
        options: TestRunOptions(
          profile: "raw", ingressURL: cluster.fixture.ingressURL, parameters: cluster.fastParameters(),
          namespaceLabels: controller.namespaceLabels),
        reportJSON: directory.file("report.json"), reportJUnit: directory.file("report.xml"))
      let outcome = await runner.runTestPhases(
        try Self.smokeSpecs(), parameters: try PhaseParameters(profile: .serverless), client: cluster.client)
      await controller.stop()
      #expect(outcome.passed, "\(outcome.summary)")
      #expect(outcome.summary == "smoke passed")
      #expect(outcome.json["profile"] == "serverless", "the install's profile wins over the runner's default")
      let written = try ConformanceReport(
        json: try JSONValue(parsing: try String(contentsOf: directory.file("report.json"), encoding: .utf8)))
      #expect(written.phases.map(\.name) == ["smoke"])
      #expect(
        try ReportFixtures.validateJUnit(
          try String(contentsOf: directory.file("report.xml"), encoding: .utf8), in: directory
        ).error == nil)
    }

    @Test("a wrong prediction fails the install's tests with the phase and its reason")
    func fails() async throws {
      let cluster = try await ConformanceCluster.real()
      let prefix = "sst-\(UUID().uuidString.prefix(6).lowercased())-"
      try await cluster.fixture.fault("*", "wrong-prediction", hostPattern: "\\.\(prefix)")
      let controller = FakeInferenceController(
        client: cluster.client, fixture: cluster.fixture, testCase: String(UUID().uuidString.prefix(8)).lowercased(),
        behaviour: .init())
      controller.start()
      let runner = InstallTestRunner(
        http: try InferenceClient.makeHTTPClient(),
        options: TestRunOptions(
          namespacePrefix: prefix, ingressURL: cluster.fixture.ingressURL, parameters: cluster.fastParameters(),
          namespaceLabels: controller.namespaceLabels),
        reportJSON: URL(fileURLWithPath: "/nonexistent-dir/report.json"))
      let outcome = await runner.runTestPhases(
        try Self.smokeSpecs(), parameters: try PhaseParameters(profile: .serverless), client: cluster.client)
      await controller.stop()
      #expect(!outcome.passed)
      #expect(outcome.summary.hasPrefix("smoke failed"), "\(outcome.summary)")
      #expect(outcome.summary.contains("cannot write /nonexistent-dir/report.json"), "\(outcome.summary)")
    }
  }
}
