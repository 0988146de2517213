import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

extension ConformanceClusterTests {
  /// The built `servestack test` binary against the real apiserver, in an existing namespace.
  @Suite("servestack test (the binary)")
  struct CLI {
    static func namespaceKind() -> GroupVersionKind { GroupVersionKind(group: "", version: "v1", kind: "Namespace") }

    /// Runs the binary without blocking a thread of the pool (the stand-in controller needs them).
    static func servestack(_ arguments: [String]) async throws -> (status: Int32, output: String) {
      guard let binary = TestEnvironment.servestackBinary else {
        throw TestSetupError("the servestack binary is not built")
      }
      let process = try ChildProcess(binary.path, arguments, environment: ["NO_COLOR": "1"])
      let deadline = ContinuousClock.now + .seconds(180)
      while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
      process.stop()
      let status = process.exitStatus ?? -1
      return ((status >> 8) & 0xFF, process.logTail(200))
    }

    @Test(
      "passes smoke and autoscaling (exit 0, reports valid), fails a wrong prediction (exit 1), refuses bad flags (exit 2)",
      .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
    func binary() async throws {
      let cluster = try await ConformanceCluster.real()
      let id = String(UUID().uuidString.prefix(6)).lowercased()
      let namespace = "sst-cli-\(id)"
      var object = KubeObject(Self.namespaceKind(), name: namespace)
      object.json.set(["servestack.io/test-case": .string(id)], at: ["metadata", "labels"])
      _ = try await cluster.client.create(object)
      let controller = FakeInferenceController(client: cluster.client, fixture: cluster.fixture, testCase: id)
      controller.start()
      let directory = try TemporaryDirectory()
      var common = [
        "test", "--kubeconfig", cluster.kubeconfig, "--namespace", namespace, "--ingress", cluster.fixture.ingressURL,
      ]
      for (name, value) in cluster.fastParameters().sorted(by: { $0.key < $1.key }) {
        common += ["--set", "\(name)=\(value)"]
      }
      do {
        let json = directory.file("report.json").path
        let junit = directory.file("report.xml").path
        let passed = try await Self.servestack(
          common + [
            "--only", "smoke", "autoscaling", "--load-concurrency", "4", "--load-duration", "3s", "--report-json", json,
            "--report-junit", junit,
          ])
        #expect(passed.status == 0, "\(passed.output)")
        #expect(passed.output.contains("PASSED: "))
        #expect(passed.output.contains("ok   smoke/v1-predict"))
        let jsonText = try String(contentsOfFile: json, encoding: .utf8)
        #expect(try ReportFixtures.validateJSON(jsonText, in: directory) == nil)
        let report = try ConformanceReport(json: try JSONValue(parsing: jsonText))
        #expect(report.phases.map(\.name) == ["smoke", "autoscaling"])
        #expect(report.ingressSource == "--ingress")
        let junitResult = try ReportFixtures.validateJUnit(
          try String(contentsOfFile: junit, encoding: .utf8), in: directory)
        #expect(junitResult.error == nil)
        #expect(junitResult.suites == ["smoke 6 0 0 6", "autoscaling 6 0 0 6"])

        try await cluster.fixture.fault("*", "wrong-prediction", hostPattern: "\\.\(namespace)\\.")
        let failed = try await Self.servestack(common + ["--only", "smoke", "-o", "json"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("FAIL smoke/v1-predict"))
        #expect(failed.output.contains("\"result\": \"failed\""))

        let usage = try await Self.servestack(common + ["--set", "colour=red"])
        #expect(usage.status == 2, "\(usage.output)")
        #expect(usage.output.contains("unknown test parameter 'colour'"))
        let badOnly = try await Self.servestack(common + ["--only", "nonesuch"])
        #expect(badOnly.status == 2, "\(badOnly.output)")
      } catch {
        await controller.stop()
        _ = try? await cluster.client.delete(ObjectReference(Self.namespaceKind(), name: namespace))
        throw error
      }
      await controller.stop()
      // An existing namespace is kept; only the test objects are gone.
      let left = try await cluster.client.list(
        GroupVersionKind(group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService"), namespace: namespace
      )
      #expect(left.items.isEmpty)
      #expect(try await cluster.client.getIfExists(ObjectReference(Self.namespaceKind(), name: namespace)) != nil)
      _ = try? await cluster.client.delete(ObjectReference(Self.namespaceKind(), name: namespace))
    }
  }
}
