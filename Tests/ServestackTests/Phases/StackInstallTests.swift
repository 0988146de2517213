import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// Choosing a stack set: `install --stack kserve-0.15` on the fake modern apiserver from the upstream
/// fixtures, and the automatic choice on the real v1.20 apiserver, whose version meets no set's minimum.
@Suite("Stack sets: install --stack and the automatic choice")
struct StackInstallTests {
  @Test(
    "install --stack kserve-0.15 through --mirror ends with KServe v0.15.2's objects and the set in the state",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
  func installKServe015() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let run = try await EngineTests.servestack(
      ["install", "--stack", "kserve-0.15", "--skip-tests", "--timeout", "5m"] + stack.flags,
      kubeconfig: fake.kubeconfig)
    #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
    #expect(
      (run.stdout + run.stderr).contains("stack set kserve-0.15: named with --stack"), "\(run.stdout)\n\(run.stderr)")
    // Both KServe files of v0.15.2 came through the mirror, none of v0.16.0.
    #expect(stack.mirror.requests.contains { $0.hasPrefix("GET /kserve/kserve/releases/download/v0.15.2/kserve.yaml") })
    #expect(
      stack.mirror.requests.contains {
        $0.hasPrefix("GET /kserve/kserve/releases/download/v0.15.2/kserve-cluster-resources.yaml")
      })
    #expect(!stack.mirror.requests.contains { $0.contains("/v0.16.0/") }, "\(stack.mirror.requests)")

    let client = try fake.client()
    let controller = try await client.get(
      ObjectReference(GroupVersionKind.deployment, namespace: "kserve", name: "kserve-controller-manager"))
    let images = (controller[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []).compactMap {
      $0["image"]?.stringValue
    }
    #expect(images.contains { $0.hasSuffix(":v0.15.2") }, "\(images)")
    // v0.16's LLMInferenceService pieces are not there: v0.15.2 has none, and no wait asked for them.
    let crd = ObjectReference(GroupVersionKind.customResourceDefinition, name: "llminferenceservices.serving.kserve.io")
    #expect(try await client.getIfExists(crd) == nil)
    #expect(
      try await client.getIfExists(
        ObjectReference(GroupVersionKind.service, namespace: "kserve", name: "llmisvc-webhook-server-service")) == nil)

    let state = try await InstallStateStore(client: client, namespace: InstallOptions.defaultStateNamespace).load()
    #expect(state.stack?.name == "kserve-0.15")
    #expect(state.stack?.components.first { $0.component == "kserve" }?.version == "v0.15.2")
    #expect(state.stack?.components.first { $0.component == "knative-serving" }?.version == "v1.15.2")
    #expect(state[try PhaseName("kserve")]?.version == "v0.15.2")
  }

  @Test(
    "preflight on the real v1.20 apiserver names the set it would choose and why: v1.20 meets no set's minimum",
    .enabled(
      if: TestEnvironment.testKubeconfig != nil && TestEnvironment.servestackBinary != nil,
      Comment(rawValue: TestEnvironment.missingClusterReason)))
  func automaticChoiceOnV120() async throws {
    let kubeconfig = try #require(TestEnvironment.testKubeconfig)
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    let text = try await EngineTests.servestack(["preflight", "--cache", cache.path], kubeconfig: kubeconfig)
    #expect(text.status == 1, "\(text.stdout)\n\(text.stderr)")
    let output = text.stdout + text.stderr
    #expect(
      output.contains(
        "stack set kserve-0.16: Kubernetes v1.20.2 meets no set's minimum for profile serverless (kserve-0.16 needs Kubernetes 1.30, kserve-0.15 needs Kubernetes 1.30)"
      ),
      "\(output)")
    #expect(output.contains("upgrade the cluster to at least Kubernetes 1.30"), "\(output)")
    #expect(output.contains("older than 1.30"), "the kubernetes-version check fails for the chosen set: \(output)")

    let json = try await EngineTests.servestack(
      ["preflight", "--cache", cache.path, "-o", "json"], kubeconfig: kubeconfig)
    let report = try JSONValue(parsing: json.stdout)
    #expect(report[path: ["stack", "name"]] == "kserve-0.16")
    #expect(report[path: ["stack", "components", "kserve"]] == "v0.16.0")
    #expect(report[path: ["stack", "reason"]]?.stringValue?.contains("meets no set's minimum") == true)

    // Named, the set is used as asked and said so.
    let named = try await EngineTests.servestack(
      ["preflight", "--stack", "kserve-0.15", "--cache", cache.path], kubeconfig: kubeconfig)
    #expect((named.stdout + named.stderr).contains("stack set kserve-0.15: named with --stack"))
    let unknown = try await EngineTests.servestack(
      ["preflight", "--stack", "kserve-9", "--cache", cache.path], kubeconfig: kubeconfig)
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("--stack kserve-9: no such stack set in the built-in catalog"), "\(unknown.stderr)")
  }
}
