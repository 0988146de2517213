public import Kubernetes
public import ServestackCore

/// Where the Kubernetes-level CRD version work plugs into an upgrade (the Kubernetes module provides it):
/// the analysis of what a step changes in each CRD's versions, and the stored-version migration that must
/// run before a step stops serving a version `status.storedVersions` still lists.
public protocol CRDVersionHooks: Sendable {
  /// The CRD version changes from `old` to `new` (each a phase's rendered objects; CRDs among others):
  /// versions added, no longer served, storage version changes, stored versions to migrate.
  func changes(from old: [JSONValue], to new: [JSONValue]) -> [CRDVersionNote]

  /// Rewrites the stored objects of CRDs whose stored versions `new` no longer serves and updates their
  /// `status.storedVersions`, before `new` is applied. Returns one line per CRD migrated.
  func migrateStoredVersions(from old: [JSONValue], to new: [JSONValue], client: KubeClient) async throws -> [String]

  /// Why going back to `older` (a rendering's objects) would leave objects the older release cannot read:
  /// one sentence per CRD on the cluster whose `status.storedVersions` lists a version `older`'s CRD does not
  /// serve (naming the CRD and the version). Empty when the rollback is safe.
  func rollbackRefusals(to older: [JSONValue], client: KubeClient) async throws -> [String]
}

/// One CRD version change, for plans and progress.
public struct CRDVersionNote: Sendable, Equatable {
  /// `inferenceservices.serving.kserve.io`.
  public let crd: String
  /// `version v1alpha2 added`, `v1alpha1 no longer served`, `storage v1alpha1 → v1`.
  public let change: String

  public init(crd: String, change: String) {
    self.crd = crd
    self.change = change
  }

  public var json: JSONValue { ["crd": .string(crd), "change": .string(change)] }
}
