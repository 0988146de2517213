import Foundation
import ServestackCore

/// Moves a CRD's objects to its current storage version, as kube-storage-version-migrator does, so that
/// versions no longer stored can be removed from the CRD.
///
/// Each object is rewritten unchanged through the API (PUT at the resourceVersion it was read at); the
/// apiserver encodes what it writes in the current storage version. A 409 conflict means someone else wrote
/// the object meanwhile, in the storage version too, but it is read again and rewritten all the same; an
/// object deleted meanwhile is skipped. When every object is rewritten, `status.storedVersions` is set to the
/// storage version alone (the apiserver only then accepts a CRD without the old versions).
///
/// Use it after the CRD with the new storage version is applied (with the old versions still listed, see
/// ``CRDVersionChanges/transitionalCRD(old:new:keeping:)``) and before the CRD without them is.
public struct StorageVersionMigrator: Sendable {
  public let client: KubeClient
  public var options: StorageVersionMigrationOptions
  /// Test seam: runs after the listing, before an object's first rewrite (to change or delete it meanwhile).
  var beforeRewrite: (@Sendable (ObjectReference) async -> Void)?

  static let crdKind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

  public init(client: KubeClient, options: StorageVersionMigrationOptions = StorageVersionMigrationOptions()) {
    self.client = client
    self.options = options
  }

  /// Migrates the objects of CRD `name` (`plural.group`) in all namespaces. Returns without listing when
  /// `status.storedVersions` already is the storage version alone. Objects that cannot be rewritten are
  /// counted in the result (``StorageVersionMigrationResult/failures``) and leave `storedVersions` as it was;
  /// call ``StorageVersionMigrationResult/checked()`` to turn that into an error.
  ///
  /// #### Errors
  /// ``KubeError``: the CRD does not exist (`notFound`) or is not readable; listing its objects failed (a
  /// conversion webhook that does not answer, 403); the apiserver did not announce the storage version in
  /// time (`waitTimeout`); the CRD's storage version changed during the migration (`conflict`); the status
  /// update was refused; the task was cancelled (`cancelled`).
  public func migrate(crd name: String) async throws(KubeError) -> StorageVersionMigrationResult {
    let started = ContinuousClock.now
    let crdReference = ObjectReference(Self.crdKind, name: name)
    let crd = try await client.get(crdReference)
    let target = try Target(crd)
    var result = StorageVersionMigrationResult(
      crd: name, storageVersion: target.storage, previousStoredVersions: target.storedVersions,
      storedVersions: target.storedVersions, migrated: 0, skipped: 0, failures: [], elapsed: .zero)
    guard !result.wasAlreadyMigrated else {
      result.elapsed = .now - started
      return result
    }
    try await awaitStorageVersion(target)
    let objects = try await client.list(
      target.gvk, namespace: nil, options: ListOptions(pageSize: max(1, options.pageSize))
    ).items
    let tally = Tally(crd: name, total: objects.count, progress: options.progress)
    let (client, options, beforeRewrite) = (self.client, self.options, self.beforeRewrite)
    await concurrentForEach(objects, limit: options.concurrency) { object in
      guard let reference = object.reference else { return }
      let outcome: StorageVersionMigrationProgress.Outcome
      if Task.isCancelled {
        outcome = .failed(KubeError(.cancelled, "rewrite \(reference): the migration was cancelled"))
      } else {
        await beforeRewrite?(reference)
        outcome = await Self.rewrite(object, reference: reference, client: client, options: options)
      }
      await tally.record(reference, outcome)
    }
    (result.migrated, result.skipped, result.failures) = await tally.counts()
    if Task.isCancelled || result.failures.contains(where: { $0.error.code == .cancelled }) {
      throw KubeError(
        .cancelled,
        "migrate stored versions of crd \(name): cancelled after \(result.migrated) of \(objects.count) objects; "
          + "status.storedVersions stays \(target.storedVersions); run it again")
    }
    if result.failures.isEmpty {
      result.storedVersions = try await recordStoredVersions(crdReference, target: target)
    }
    result.elapsed = .now - started
    return result
  }

  /// PUTs the object back as read; on a conflict, reads it again and retries.
  private static func rewrite(
    _ object: KubeObject, reference: ObjectReference, client: KubeClient, options: StorageVersionMigrationOptions
  ) async -> StorageVersionMigrationProgress.Outcome {
    var current = object
    var attempt = 0
    while true {
      do {
        _ = try await client.update(current, options: WriteOptions(fieldManager: options.fieldManager))
        return .migrated
      } catch  where error.code == .notFound {
        return .skipped
      } catch  where error.code == .conflict && attempt < options.conflictRetries {
        attempt += 1
        do {
          guard let fresh = try await client.getIfExists(reference) else { return .skipped }
          current = fresh
        } catch {
          return .failed(error)
        }
      } catch {
        return .failed(error)
      }
    }
  }

  /// Sets `status.storedVersions` to the storage version, checking that the storage version did not change.
  private func recordStoredVersions(_ reference: ObjectReference, target: Target) async throws(KubeError) -> [String] {
    var attempt = 0
    while true {
      var crd = try await client.get(reference)
      let now = try Target(crd)
      guard now.storage == target.storage else {
        throw KubeError(
          .conflict,
          "migrate stored versions of crd \(target.crd): its storage version changed from \(target.storage) to "
            + "\(now.storage) during the migration; status.storedVersions stays \(now.storedVersions); run it again",
          object: reference)
      }
      crd.json.set(.array([.string(target.storage)]), at: ["status", "storedVersions"])
      do {
        let updated = try await client.updateStatus(crd, options: WriteOptions(fieldManager: options.fieldManager))
        return updated[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
      } catch  where error.code == .conflict && attempt < options.conflictRetries {
        attempt += 1
      }
    }
  }

  /// Waits until discovery announces the storage version's hash for the resource, so that the rewrites go to
  /// an apiserver that already stores in it (it picks up a CRD change asynchronously, and a version just
  /// added answers 404 until then). A server whose
  /// discovery has no `storageVersionHash` is not waited for.
  private func awaitStorageVersion(_ target: Target) async throws(KubeError) {
    let deadline = ContinuousClock.now + options.storageVersionTimeout
    var seen: String?
    while true {
      let document: JSONValue
      do {
        document = try await client.getJSON(path: target.gvk.groupVersion.path)
      } catch  where error.code == .notFound {
        // A version the CRD was just updated to serve is not in discovery yet (404): wait for it as well.
        document = [:]
      }
      let resource = document["resources"]?.arrayValue?.first { $0["name"]?.stringValue == target.plural }
      seen = resource?["storageVersionHash"]?.stringValue
      if resource != nil && (seen == nil || seen == target.storageVersionHash) { return }
      guard ContinuousClock.now < deadline else { break }
      do {
        try await Task.sleep(for: .milliseconds(200))
      } catch {
        throw KubeError(
          .cancelled, "migrate stored versions of crd \(target.crd): cancelled while waiting for discovery")
      }
    }
    throw KubeError(
      .waitTimeout,
      "migrate stored versions of crd \(target.crd): the apiserver's discovery did not announce storage version "
        + "\(target.storage) within \(options.storageVersionTimeout) (storageVersionHash \(seen ?? "absent"), "
        + "expected \(target.storageVersionHash)); check that the CRD update was accepted and run it again")
  }
}

extension StorageVersionMigrator {
  /// What one CRD's migration is about: its storage version, kind and stored versions.
  fileprivate struct Target {
    var crd: String
    /// The kind in the version the objects are read and rewritten through: the storage version when it is
    /// served, else the first served one (the apiserver stores in the storage version either way).
    var gvk: GroupVersionKind
    var plural: String
    var storage: String
    var storedVersions: [String]

    init(_ crd: KubeObject) throws(KubeError) {
      let name = crd.name ?? "?"
      let versions = crd[path: "spec", "versions"]?.arrayValue ?? []
      let storage = versions.filter { $0["storage"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }
      let served = versions.filter { $0["served"]?.boolValue == true }.compactMap { $0["name"]?.stringValue }
      guard let group = crd[path: "spec", "group"]?.stringValue,
        let kind = crd[path: "spec", "names", "kind"]?.stringValue,
        let plural = crd[path: "spec", "names", "plural"]?.stringValue, storage.count == 1
      else {
        throw KubeError(
          .badResponse,
          "migrate stored versions of crd \(name): the CRD has no group, kind, plural or single storage version")
      }
      guard let access = served.contains(storage[0]) ? storage[0] : served.first else {
        throw KubeError(
          .badRequest,
          "migrate stored versions of crd \(name): the CRD serves no version, so its objects cannot be rewritten; serve \(storage[0])"
        )
      }
      self.crd = name
      gvk = GroupVersionKind(group: group, version: access, kind: kind)
      self.plural = plural
      self.storage = storage[0]
      storedVersions = crd[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// What the apiserver's discovery reports for the resource (in every served version) once it stores in
    /// `storage`: the first 8 bytes of SHA-256 over `group/version/kind`, base64 (k8s.io/apiserver
    /// discovery.StorageVersionHash).
    var storageVersionHash: String {
      let hex = Array(Digest.sha256("\(gvk.group)/\(storage)/\(gvk.kind)").hex.utf8)
      func nibble(_ c: UInt8) -> UInt8 { c >= UInt8(ascii: "a") ? c - UInt8(ascii: "a") + 10 : c - UInt8(ascii: "0") }
      let bytes = (0..<8).map { nibble(hex[2 * $0]) << 4 | nibble(hex[2 * $0 + 1]) }
      return Data(bytes).base64EncodedString()
    }
  }

  /// Counts outcomes and reports progress, in completion order.
  fileprivate actor Tally {
    let crd: String
    let total: Int
    let progress: (@Sendable (StorageVersionMigrationProgress) -> Void)?
    private var migrated = 0
    private var skipped = 0
    private var failures: [StorageVersionMigrationResult.Failure] = []

    init(crd: String, total: Int, progress: (@Sendable (StorageVersionMigrationProgress) -> Void)?) {
      self.crd = crd
      self.total = total
      self.progress = progress
    }

    func record(_ object: ObjectReference, _ outcome: StorageVersionMigrationProgress.Outcome) {
      switch outcome {
      case .migrated: migrated += 1
      case .skipped: skipped += 1
      case .failed(let error): failures.append(.init(object: object, error: error))
      }
      progress?(
        StorageVersionMigrationProgress(
          crd: crd, object: object, outcome: outcome, done: migrated + skipped + failures.count, total: total))
    }

    func counts() -> (Int, Int, [StorageVersionMigrationResult.Failure]) {
      (migrated, skipped, failures.sorted { $0.object.description < $1.object.description })
    }
  }
}
