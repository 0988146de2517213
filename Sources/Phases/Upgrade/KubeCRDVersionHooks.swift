public import Kubernetes
public import ServestackCore

/// The CRD version work of an upgrade, done by the Kubernetes module: ``CRDVersionChanges`` for the plan,
/// ``StorageVersionMigrator`` before a step stops serving a version objects are still stored in. Where a
/// step drops such a version outright, the CRD is first applied with it kept (served, not storage), the
/// objects are migrated, and the step's own apply then drops it.
public struct KubeCRDVersionHooks: CRDVersionHooks {
  public init() {}

  public func changes(from old: [JSONValue], to new: [JSONValue]) -> [CRDVersionNote] {
    guard let changes = try? CRDVersionChanges.between(old: old.map(KubeObject.init), new: new.map(KubeObject.init))
    else {
      return []
    }
    return changes.filter(\.hasChanges).map { change in
      CRDVersionNote(crd: change.name, change: String(change.description.dropFirst("crd \(change.name): ".count)))
    }
  }

  public func migrateStoredVersions(from old: [JSONValue], to new: [JSONValue], client: KubeClient) async throws
    -> [String]
  {
    let oldObjects = old.map(KubeObject.init)
    let newObjects = new.map(KubeObject.init)
    let names = newObjects.filter { $0.kind == "CustomResourceDefinition" }.compactMap(\.name)
    let stored = try await client.crdStoredVersions(names)
    var lines: [String] = []
    for change in try CRDVersionChanges.between(old: oldObjects, new: newObjects, storedVersions: stored)
    where change.needsMigration {
      if change.needsTransitionalCRD,
        let before = oldObjects.first(where: { $0.kind == "CustomResourceDefinition" && $0.name == change.name }),
        let after = newObjects.first(where: { $0.kind == "CustomResourceDefinition" && $0.name == change.name })
      {
        _ = try await client.apply(try CRDVersionChanges.transitionalCRD(old: before, new: after))
      }
      let result = try await StorageVersionMigrator(client: client).migrate(crd: change.name).checked()
      lines.append(
        "crd \(change.name): \(result.migrated) objects rewritten in \(result.storageVersion), stored versions now \(result.storedVersions.joined(separator: ", "))"
      )
    }
    return lines
  }

  public func rollbackRefusals(to older: [JSONValue], client: KubeClient) async throws -> [String] {
    let kind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
    var reasons: [String] = []
    for crd in older.map(KubeObject.init) where crd.kind == "CustomResourceDefinition" {
      // The live CRD and its storedVersions: what the objects on the cluster are stored as now, whichever
      // step (or half-applied step) put them there.
      guard let name = crd.name, let live = try await client.getIfExists(ObjectReference(kind, name: name)) else {
        continue
      }
      let stored = live[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
      reasons += try CRDVersionChanges(old: crd, new: live, storedVersions: stored).rollback.reasons
    }
    return reasons
  }
}
