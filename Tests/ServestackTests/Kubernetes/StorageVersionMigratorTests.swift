import Foundation
import Kubernetes
import ServestackCore
import Testing
import TestSupport

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

  @Test("v1alpha1 stored → v1 only: objects in two namespaces rewritten (paged), storedVersions [v1], v1alpha1 removable",
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
          let widget = C.widget("w\(index)", namespace: index % 2 == 0 ? first : second, group: group, version: "v1alpha1")
          _ = try await client.create(widget)
          widgets.append(try #require(widget.reference))
        }
        // The new storage version, with v1alpha1 still listed (the apiserver refuses to drop a stored version).
        let changes = try CRDVersionChanges(old: old, new: new, storedVersions: try await Self.storedVersions(client, name))
        #expect(changes.storedVersionsToMigrate == ["v1alpha1"] && changes.needsTransitionalCRD)
        try await Self.apply(client, try CRDVersionChanges.transitionalCRD(old: old, new: new))
        #expect(try await Self.storedVersions(client, name) == ["v1alpha1", "v1"])
        let refused = await client.applyMany([new]).results[0].outcome.error
        #expect(refused?.code == .invalid)
        #expect(refused?.message.contains("status.storedVersions[0]: Invalid value: \"v1alpha1\": must appear in spec.versions") == true,
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
          let v1 = ObjectReference(GroupVersionKind(group: group, version: "v1", kind: "Widget"), namespace: reference.namespace, name: reference.name)
          let widget = try await client.get(v1)
          #expect(widget.apiVersion == "\(group)/v1")
          #expect(widget[path: "spec", "size"]?.intValue == reference.name.count)
          #expect(widget[path: "spec", "color"]?.stringValue == "blue")
        }
        let listed = try await client.list(GroupVersionKind(group: group, version: "v1", kind: "Widget"), namespace: nil)
        #expect(listed.items.count == 7)
      }
    }
    _ = try? await client.delete(ObjectReference(Kube.crd, name: name))
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
