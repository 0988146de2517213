import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// `upgrade apply` keeps asking a probe InferenceService while it works and runs the test phases after
/// it: the fake modern apiserver (its own InferenceService controller off), the stand-in KServe controller
/// (FakeInferenceController) and the real KServe model server behind the iris fixture's gateway.
@Suite(
  "upgrade apply: the stack keeps serving",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)),
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"))
struct UpgradeProbeTests {
  /// Puts the stand-in controller's label on the namespaces the binary creates (the probe's and the test
  /// phases'), which it cannot label itself.
  static func labeller(_ client: KubeClient, testCase: String) -> Task<Void, Never> {
    Task {
      while !Task.isCancelled {
        for selector in ["servestack.io/probe=true", "servestack.io/test=true"] {
          let namespaces =
            (try? await client.list(
              GroupVersionKind.namespace, namespace: nil, options: ListOptions(labelSelector: selector)))?.items ?? []
          for namespace in namespaces where namespace.labels["servestack.io/test-case"] == nil {
            guard let name = namespace.name else { continue }
            _ = try? await client.mergePatch(
              ObjectReference(GroupVersionKind.namespace, name: name),
              patch: ["metadata": ["labels": ["servestack.io/test-case": .string(testCase)]]])
          }
        }
        try? await Task.sleep(for: .milliseconds(150))
      }
    }
  }

  /// The `upgrade-summary` event of `-o json` output.
  static func summary(_ stdout: String) throws -> JSONValue {
    let line = try #require(stdout.split(separator: "\n").last { $0.contains(#""event":"upgrade-summary""#) })
    return try JSONValue(parsing: String(line))
  }

  @Test(
    "install kserve-0.15, upgrade apply --to kserve-0.16: the probe answers throughout (sent, failed and the longest gap in the summary) and the test phases pass after it; rollback with --skip-tests runs neither"
  )
  func probeAndTests() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let install = try await EngineTests.servestack(
      ["install", "--stack", "kserve-0.15", "--skip-tests", "--timeout", "5m"] + stack.flags,
      kubeconfig: fake.kubeconfig)
    try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
    let client = try fake.client()
    let fixture = try await IrisFixture.shared()
    let testCase = String(UUID().uuidString.prefix(8)).lowercased()
    let controller = FakeInferenceController(client: client, fixture: fixture, testCase: testCase)
    controller.start()
    let labels = Self.labeller(client, testCase: testCase)
    defer { labels.cancel() }

    // A killed run's probe namespace (its labels say so) is the probe's own: reused, then deleted.
    var leftover = KubeObject(GroupVersionKind.namespace, name: "servestack-probe")
    leftover.json.set(
      ["app.kubernetes.io/managed-by": "servestack", "servestack.io/probe": "true"], at: ["metadata", "labels"])
    _ = try await client.create(leftover)

    let apply = try await EngineTests.servestack(
      ["upgrade", "apply", "--to", "kserve-0.16", "--ingress", fixture.ingressURL, "--timeout", "5m", "-o", "json"]
        + stack.flags, kubeconfig: fake.kubeconfig)
    await controller.stop()
    #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)\n\(controller.problems)")
    #expect(apply.stdout.contains(#""event":"probe-started""#), "\(apply.stdout)")
    let summary = try Self.summary(apply.stdout)
    let probe = try #require(summary["probe"], "\(summary)")
    #expect(probe["target"]?.stringValue?.hasPrefix("inferenceservice servestack-probe/sklearn-iris via") == true)
    let sent = try #require(probe["sent"]?.intValue)
    #expect(sent > 0, "\(probe)")
    #expect(probe["failed"]?.intValue == 0, "the stand-in keeps serving through a KServe upgrade: \(probe)")
    let gap = try #require(probe["longestGapSeconds"]?.doubleValue, "\(probe)")
    #expect(gap > 0 && gap < 30, "\(probe)")
    #expect(summary["succeeded"] == true)
    #expect(summary[path: ["tests", "status"]] == "passed", "\(String(describing: summary["tests"]))")
    #expect(
      summary[path: ["tests", "summary"]]?.stringValue?.contains("smoke passed") == true,
      "\(String(describing: summary["tests"]))")
    let report = summary[path: ["tests", "report", "phases"]]?.arrayValue ?? []
    #expect(report.contains { $0["name"] == "smoke" }, "the test phases ran after the upgrade: \(report)")
    // The probe created its InferenceService, so it deleted it afterwards.
    #expect(
      try await client.getIfExists(
        ObjectReference(
          GroupVersionKind(group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService"),
          namespace: "servestack-probe", name: "sklearn-iris")) == nil)
    let namespace = try await client.getIfExists(ObjectReference(GroupVersionKind.namespace, name: "servestack-probe"))
    #expect(
      namespace == nil || namespace?.json[path: ["metadata", "deletionTimestamp"]] != nil,
      "the leftover probe namespace is deleted: \(String(describing: namespace?.json))")
    #expect(try await InstallStateStore(client: client).load().stack?.name == "kserve-0.16")

    // The text summary says the same; --skip-tests skips the probe and the tests.
    let back = try await EngineTests.servestack(
      ["upgrade", "apply", "--to", "kserve-0.15", "--skip-tests", "--timeout", "5m"] + stack.flags,
      kubeconfig: fake.kubeconfig)
    #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("tests: skipped: --skip-tests"), "\(back.stdout)")
    #expect(!back.stdout.contains("probe "), "\(back.stdout)")
  }
}
