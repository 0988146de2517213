import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

extension InstallerRealTests {
  /// `plan` with a cluster: a server-side dry run per phase. On a cluster without the phases' Namespace and
  /// CRD, their objects would be created (a dry run creates neither, so the server answers "not found");
  /// after an install, every object is unchanged.
  @Test("plan on the cluster: everything created before an install (same-phase Namespace and CRD), unchanged after")
  func planBeforeAndAfterInstall() async throws {
    let client = try EngineTests.realClient()
    let namespace = EngineTests.uniqueName("plan")
    let stateNamespace = EngineTests.uniqueName("state")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    defer { cache.remove() }
    defer { Task { await EngineTests.cleanUp(client, namespaces: [namespace, stateNamespace]) } }
    var options = try EngineTests.real120Options(namespace: namespace, stateNamespace: stateNamespace, cache: cache)
    options.dryRun = true
    options.preflight = nil

    let before = try await Installer(client: client).run(options)
    #expect(before.succeeded, "\(before.phases.flatMap(\.problems))")
    let base = try #require(before.phases.first { $0.name.rawValue == "base" })
    #expect(
      base.objectOutcomes.contains {
        $0.object.contains("configmap \(namespace)/settings") && $0.outcome.label == "created"
      },
      "\(base.objectOutcomes)")
    #expect(base.objects.failed == 0)
    #expect(
      try await client.getIfExists(
        ObjectReference(GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: namespace)) == nil,
      "a dry run stores nothing")

    options.dryRun = false
    let installed = try await Installer(client: client).run(options)
    #expect(installed.succeeded, "\(installed.failedPhase?.problems ?? [])")
    options.dryRun = true
    let after = try await Installer(client: client).run(options)
    #expect(after.succeeded)
    let outcomes = after.phases.flatMap(\.objectOutcomes)
    #expect(!outcomes.isEmpty && outcomes.allSatisfy { !$0.changes }, "\(outcomes.map(\.json))")
  }
}
