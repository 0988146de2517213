import Foundation
import ServestackCore
import TestSupport
import Testing

@testable import Kubernetes

@Suite("Storage version migration")
struct StorageVersionMigratorTests {
  typealias C = SyntheticCRD

  /// Applies one object and fails the test with the server's message when it is refused.
  static func apply(_ client: KubeClient, _ object: KubeObject) async throws {
    let result = await client.applyMany([object])
    if let error = result.results[0].outcome.error { throw error }
    #expect(result.establishFailures.isEmpty)
  }

  static func storedVersions(_ client: KubeClient, _ name: String) async throws -> [String] {
    let crd = try await client.get(ObjectReference(Kube.crd, name: name))
    return crd[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
  }

  /// A CRD of its own group, applied with `versions` and holding `count` v1alpha1 widgets (`w0`, `w1`, …) in a
  /// fresh namespace; `body` gets the client, the group, the CRD's name and the namespace. The CRD is deleted
  /// afterwards.
  static func withWidgets(
    _ kind: KubeBackendKind, _ versions: [C.Version], count: Int,
    _ body: (_ client: KubeClient, _ group: String, _ name: String, _ namespace: String) async throws -> Void
  ) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let group = C.uniqueGroup()
    let crd = C.make(group: group, versions)
    let name = try #require(crd.name)
    try await Self.apply(client, crd)
    try await backend.withNamespace(client) { namespace in
      for index in 0..<count {
        _ = try await client.create(C.widget("w\(index)", namespace: namespace, group: group, version: "v1alpha1"))
      }
      try await body(client, group, name, namespace)
    }
    _ = try? await client.delete(ObjectReference(Kube.crd, name: name))
  }

  @Test(
    "v1alpha1 stored → v1 only: objects in two namespaces rewritten (paged), storedVersions [v1], v1alpha1 removable",
    arguments: KubeBackendKind.allCases)
  func alphaToV1(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let group = C.uniqueGroup()
    let old = C.make(group: group, [C.v("v1alpha1", storage: true)])
    let new = C.make(group: group, [C.v("v1", storage: true)])
    let name = try #require(old.name)
    defer { Task { [client] in _ = try? await client.delete(ObjectReference(Kube.crd, name: name)) } }
    try await Self.apply(client, old)
    try await backend.withNamespace(client) { first in
      try await backend.withNamespace(client) { second in
        var widgets: [ObjectReference] = []
        for index in 0..<7 {
          let widget = C.widget(
            "w\(index)", namespace: index % 2 == 0 ? first : second, group: group, version: "v1alpha1")
          _ = try await client.create(widget)
          widgets.append(try #require(widget.reference))
        }
        // The new storage version, with v1alpha1 still listed (the apiserver refuses to drop a stored version).
        let changes = try CRDVersionChanges(
          old: old, new: new, storedVersions: try await Self.storedVersions(client, name))
        #expect(changes.storedVersionsToMigrate == ["v1alpha1"] && changes.needsTransitionalCRD)
        try await Self.apply(client, try CRDVersionChanges.transitionalCRD(old: old, new: new))
        #expect(try await Self.storedVersions(client, name) == ["v1alpha1", "v1"])
        let live = try await client.crdStoredVersions([name, "widgets.absent.example.com"])
        #expect(live == [name: ["v1alpha1", "v1"]])
        // Discovery announces the storage version's hash for every served version (what the migrator waits for).
        func hash(_ version: String) async throws -> String? {
          let document = try await client.getJSON(path: "/apis/\(group)/\(version)")
          return document["resources"]?.arrayValue?.first { $0["name"] == "widgets" }?["storageVersionHash"]?
            .stringValue
        }
        let hashes = [try await hash("v1alpha1"), try await hash("v1")]
        #expect(hashes[0] != nil && hashes[0] == hashes[1], "\(hashes)")
        let refused = await client.applyMany([new]).results[0].outcome.error
        #expect(refused?.code == .invalid)
        #expect(
          refused?.message.contains(
            "status.storedVersions[0]: Invalid value: \"v1alpha1\": must appear in spec.versions") == true,
          "\(refused?.message ?? "accepted")")

        let events = Events()
        let migrator = StorageVersionMigrator(
          client: client,
          options: StorageVersionMigrationOptions(concurrency: 3, pageSize: 3, progress: { events.append($0) }))
        let result = try await migrator.migrate(crd: name).checked()
        #expect(result.migrated == 7 && result.skipped == 0 && result.failed == 0)
        #expect(result.previousStoredVersions == ["v1alpha1", "v1"] && result.storedVersions == ["v1"])
        #expect(result.isComplete && !result.wasAlreadyMigrated && result.storageVersion == "v1")
        let seen = events.all
        #expect(seen.count == 7 && seen.map(\.done).sorted() == Array(1...7) && seen.allSatisfy { $0.total == 7 })
        #expect(Set(seen.map(\.object.name)) == Set(widgets.map(\.name)))
        #expect(try await Self.storedVersions(client, name) == ["v1"])

        // Nothing left to do; and now the CRD without v1alpha1 is accepted, every object readable as v1.
        let again = try await migrator.migrate(crd: name)
        #expect(again.wasAlreadyMigrated && again.migrated == 0 && again.isComplete)
        try await Self.apply(client, new)
        for reference in widgets {
          let v1 = ObjectReference(
            GroupVersionKind(group: group, version: "v1", kind: "Widget"), namespace: reference.namespace,
            name: reference.name)
          let widget = try await client.get(v1)
          #expect(widget.apiVersion == "\(group)/v1")
          #expect(widget[path: "spec", "size"]?.intValue == reference.name.count)
          #expect(widget[path: "spec", "color"]?.stringValue == "blue")
        }
        let listed = try await client.list(
          GroupVersionKind(group: group, version: "v1", kind: "Widget"), namespace: nil)
        #expect(listed.items.count == 7)
      }
    }
    _ = try? await client.delete(ObjectReference(Kube.crd, name: name))
  }

  @Test(
    "an object changed after the listing is read again and rewritten, a deleted one skipped; one that cannot be rewritten keeps storedVersions",
    arguments: KubeBackendKind.allCases)
  func changedDeletedFailed(_ kind: KubeBackendKind) async throws {
    try await Self.withWidgets(kind, [C.v("v1alpha1", storage: true)], count: 4) { client, group, name, namespace in
      let old = C.make(group: group, [C.v("v1alpha1", storage: true)])
      let new = C.make(group: group, [C.v("v1", storage: true)])
      try await Self.apply(client, try CRDVersionChanges.transitionalCRD(old: old, new: new))
      /// Changes the object (a new resourceVersion), so that the listed one is stale.
      @Sendable func touch(_ reference: ObjectReference) async {
        _ = try? await client.mergePatch(reference, patch: ["metadata": ["labels": ["touched": "yes"]]])
      }

      // Without retries, a conflict is a failure: counted, storedVersions untouched, checked() says which.
      var strict = StorageVersionMigrator(client: client, options: StorageVersionMigrationOptions(conflictRetries: 0))
      strict.beforeRewrite = { reference in if reference.name == "w0" { await touch(reference) } }
      let failed = try await strict.migrate(crd: name)
      #expect(failed.migrated == 3 && failed.skipped == 0 && failed.failed == 1)
      #expect(failed.failures.first?.object.name == "w0" && failed.failures.first?.error.code == .conflict)
      #expect(!failed.isComplete && failed.storedVersions == ["v1alpha1", "v1"])
      #expect(try await Self.storedVersions(client, name) == ["v1alpha1", "v1"])
      let error = try #require(throws: KubeError.self) { try failed.checked() }
      #expect(error.code == .conditionFailed)
      #expect(
        error.message.contains("migrate stored versions of crd \(name) to v1: 1 of 4 objects could not be rewritten"))
      #expect(
        error.message.contains("w0") && error.message.contains("status.storedVersions stays [\"v1alpha1\", \"v1\"]"))

      // With retries: the changed object is read again and rewritten, the deleted one skipped.
      var migrator = StorageVersionMigrator(client: client)
      migrator.beforeRewrite = { reference in
        if reference.name == "w1" { await touch(reference) }
        if reference.name == "w2" { _ = try? await client.delete(reference) }
      }
      let result = try await migrator.migrate(crd: name).checked()
      #expect(result.migrated == 3 && result.skipped == 1 && result.failed == 0 && result.storedVersions == ["v1"])
      try await Self.apply(client, new)
      let touched = try await client.get(
        ObjectReference(GroupVersionKind(group: group, version: "v1", kind: "Widget"), namespace: namespace, name: "w1")
      )
      #expect(touched.labels["touched"] == "yes")
    }
  }

  @Test(
    "a storage version that is not served: objects are rewritten through a served version",
    arguments: KubeBackendKind.allCases)
  func unservedStorage(_ kind: KubeBackendKind) async throws {
    let versions = [C.v("v1alpha1", storage: true), C.v("v1beta1", served: false)]
    try await Self.withWidgets(kind, versions, count: 3) { client, group, name, namespace in
      try await Self.apply(
        client, C.make(group: group, [C.v("v1alpha1"), C.v("v1beta1", served: false, storage: true)]))
      let result = try await StorageVersionMigrator(client: client).migrate(crd: name).checked()
      #expect(result.migrated == 3 && result.storageVersion == "v1beta1" && result.storedVersions == ["v1beta1"])
      try await Self.apply(
        client, C.make(group: group, [C.v("v1alpha1", served: false), C.v("v1beta1", storage: true)]))
      let listed = try await client.list(
        GroupVersionKind(group: group, version: "v1beta1", kind: "Widget"), namespace: namespace)
      #expect(listed.items.count == 3)
    }
  }

  @Test("a CRD that does not exist is a notFound KubeError naming it", arguments: KubeBackendKind.allCases)
  func missingCRD(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let migrator = StorageVersionMigrator(client: try backend.client())
    let error = try await #require(throws: KubeError.self) {
      _ = try await migrator.migrate(crd: "widgets.\(C.uniqueGroup())")
    }
    #expect(error.code == .notFound && error.message.contains("widgets.w"))
  }
}

/// Progress events collected from any task.
final class Events: @unchecked Sendable {
  private let lock = NSLock()
  private var events: [StorageVersionMigrationProgress] = []
  func append(_ event: StorageVersionMigrationProgress) { lock.withLock { events.append(event) } }
  var all: [StorageVersionMigrationProgress] { lock.withLock { events } }
}
