import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

extension ConformanceClusterTests {
  /// `servestack status` shows the periodic job's stored results (ResultStore ConfigMaps), newest first.
  @Test("status lists the stored test results, newest first, in text and JSON")
  func statusShowsStoredResults() async throws {
    let binary = try #require(TestEnvironment.servestackBinary, "needs the built servestack binary")
    let cluster = try await ConformanceCluster.real()
    let namespace = EngineTests.uniqueName("results")
    defer { Task { await EngineTests.cleanUp(cluster.client, namespaces: [namespace]) } }
    _ = try await cluster.client.apply(
      KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]),
      options: ApplyOptions(fieldManager: "servestack-tests"))
    let store = ResultStore(client: cluster.client, namespace: namespace)
    var passed = ReportFixtures.sample()
    for index in passed.phases.indices { passed.phases[index].outcome = .passed }
    var failed = passed
    failed.finishedAt = failed.finishedAt.addingTimeInterval(3600)
    failed.phases[0].outcome = .failed
    #expect(passed.outcome == .passed && failed.outcome == .failed)
    try await store.save(passed, keep: 5)
    try await store.save(failed, keep: 5)

    let environment = ["KUBECONFIG": cluster.kubeconfig, "NO_COLOR": "1"]
    let arguments = ["status", "--results-namespace", namespace, "--state-namespace", EngineTests.uniqueName("none")]
    let json = try await Shell.runAsync(binary.path, arguments + ["-o", "json"], environment: environment)
    #expect(json.status == 1, "nothing is installed there")
    let results = try #require(try JSONValue(parsing: json.stdout)["testResults"]?["results"]?.arrayValue)
    #expect(results.map { $0["outcome"]?.stringValue } == ["failed", "passed"], "\(json.stdout)")
    let text = try await Shell.runAsync(binary.path, arguments, environment: environment)
    #expect(text.stdout.contains("test results (newest first, \(namespace)):"), "\(text.stdout)")
    #expect(text.stdout.contains("failed  smoke failed"), "\(text.stdout)")
  }
}
