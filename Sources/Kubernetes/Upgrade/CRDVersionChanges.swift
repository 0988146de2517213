import ServestackCore

/// How the versions of one CustomResourceDefinition (apiextensions.k8s.io/v1) change between an older and a
/// newer release, and what that means for stored objects and for going back.
///
/// The apiserver keeps every object in the storage version that was current when it was last written and
/// lists those versions in `status.storedVersions`; it refuses a CRD update that drops a version still listed
/// there. So before a version can go, the objects stored in it are rewritten (``StorageVersionMigrator``) and
/// `storedVersions` is cut down to the storage version. This value says which versions that concerns.
///
/// Encodes to JSON with these keys (`upgrade plan -o json`): `name`, `versionsAdded`, `versionsRemoved`,
/// `versionsNoLongerServed`, `storageVersion` (`{from, to}`, absent when unchanged), `storedVersions`,
/// `storedVersionsToMigrate`, `rollback` (`{safe, reasons}`).
public struct CRDVersionChanges: Sendable, Hashable, Codable, CustomStringConvertible {
  /// A change of the version marked `storage: true`.
  public struct StorageChange: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public init(from: String, to: String) {
      self.from = from
      self.to = to
    }
  }

  /// Whether the older release can be put back over the newer one.
  public struct Rollback: Sendable, Hashable, Codable {
    public var safe: Bool
    /// Why it is not safe, one sentence per version; empty when safe.
    public var reasons: [String]
    public init(reasons: [String]) {
      safe = reasons.isEmpty
      self.reasons = reasons
    }
  }

  /// The CRD's name (`plural.group`).
  public var name: String
  /// Versions the newer CRD has and the older one does not (all of them for a CRD new in the release).
  public var versionsAdded: [String]
  /// Versions the older CRD has and the newer one does not (all of them for a CRD the release drops).
  public var versionsRemoved: [String]
  /// Versions both have, served by the older CRD and not by the newer one.
  public var versionsNoLongerServed: [String]
  /// The storage version change; nil when it stays (or when only one side has the CRD).
  public var storageVersion: StorageChange?
  /// The stored versions this analysis assumed (see ``init(old:new:storedVersions:)``).
  public var storedVersions: [String]
  /// Stored versions the newer CRD no longer has or no longer serves: their objects must be rewritten in
  /// the newer storage version, and `storedVersions` updated, before the version goes.
  public var storedVersionsToMigrate: [String]
  /// Whether putting the older CRD back after the upgrade keeps every object readable.
  public var rollback: Rollback

  /// Whether anything about the versions changes (a CRD that only changes its schema has none).
  public var hasChanges: Bool {
    !versionsAdded.isEmpty || !versionsRemoved.isEmpty || !versionsNoLongerServed.isEmpty || storageVersion != nil
      || !storedVersionsToMigrate.isEmpty
  }

  /// Whether stored objects must be migrated (``StorageVersionMigrator``) during the upgrade.
  public var needsMigration: Bool { !storedVersionsToMigrate.isEmpty }

  /// Whether the newer CRD cannot be applied as it is until the migration is done: it drops a version still
  /// stored, which the apiserver refuses. Apply ``transitionalCRD(old:new:keeping:)`` first, migrate, then
  /// apply the newer CRD.
  public var needsTransitionalCRD: Bool { storedVersionsToMigrate.contains { versionsRemoved.contains($0) } }

  /// Compares two CRDs. At least one must be given: `old` nil is a CRD new in the release, `new` nil one the
  /// release drops.
  ///
  /// - Parameter storedVersions: the live CRD's `status.storedVersions`. When nil: `old`'s own
  ///   `status.storedVersions` if it carries one (a live object), else `old`'s storage version (a manifest:
  ///   objects written since the older CRD was applied are stored in it; older ones the live list would show).
  ///
  /// #### Errors
  /// ``KubeError/Code/badRequest`` when an object is not an apiextensions.k8s.io/v1 CRD, has no name, names a
  /// version twice, does not mark exactly one version as storage, or the two have different names.
  public init(old: KubeObject?, new: KubeObject?, storedVersions: [String]? = nil) throws(KubeError) {
    let before = try old.map { (crd) throws(KubeError) in try Versions(crd) }
    let after = try new.map { (crd) throws(KubeError) in try Versions(crd) }
    guard let name = after?.name ?? before?.name else {
      throw KubeError(.badRequest, "compare CRD versions: neither an older nor a newer CRD was given")
    }
    if let before, let after, before.name != after.name {
      throw KubeError(
        .badRequest,
        "compare CRD versions: the older CRD is \(before.name) and the newer one \(after.name); compare a CRD with itself"
      )
    }
    self.name = name
    let oldNames = before?.names ?? []
    let newNames = after?.names ?? []
    versionsAdded = newNames.filter { !oldNames.contains($0) }
    versionsRemoved = oldNames.filter { !newNames.contains($0) }
    versionsNoLongerServed = oldNames.filter { version in
      before?.served(version) == true && newNames.contains(version) && after?.served(version) == false
    }
    if let from = before?.storage, let to = after?.storage, from != to {
      storageVersion = StorageChange(from: from, to: to)
    }
    let stored = storedVersions ?? before.map { $0.storedVersions ?? [$0.storage] } ?? []
    self.storedVersions = stored
    if let after {
      storedVersionsToMigrate = stored.filter { $0 != after.storage && !after.served($0) }
    } else {
      // The release drops the CRD: its objects go with it (or stay, unpruned), nothing to rewrite.
      storedVersionsToMigrate = []
    }
    rollback = Self.rollback(
      name: name, before: before, after: after, stored: stored, migrated: storedVersionsToMigrate)
  }

  /// The changes of every CRD in either list, matched by name and sorted by it; objects of other kinds are
  /// ignored. Includes CRDs whose versions do not change (filter on ``hasChanges``).
  ///
  /// - Parameter storedVersions: live `status.storedVersions` by CRD name (see ``init(old:new:storedVersions:)``).
  public static func between(
    old: [KubeObject], new: [KubeObject], storedVersions: [String: [String]] = [:]
  ) throws(KubeError) -> [CRDVersionChanges] {
    func byName(_ objects: [KubeObject]) -> [String: KubeObject] {
      var map: [String: KubeObject] = [:]
      for object in objects where Self.isCRD(object) {
        if let name = object.name { map[name] = object }
      }
      return map
    }
    let before = byName(old)
    let after = byName(new)
    var changes: [CRDVersionChanges] = []
    for name in Set(before.keys).union(after.keys).sorted() {
      changes.append(try CRDVersionChanges(old: before[name], new: after[name], storedVersions: storedVersions[name]))
    }
    return changes
  }

  /// `new` with the versions of `keeping` that it dropped put back from `old` (served as `old` served them,
  /// not storage), so that it can be applied while objects are still stored in them. `keeping` defaults to
  /// the stored versions to migrate. Returns `new` unchanged when nothing needs keeping.
  ///
  /// #### Errors
  /// ``KubeError/Code/badRequest`` when either is not a v1 CRD.
  public static func transitionalCRD(old: KubeObject, new: KubeObject, keeping: [String]? = nil) throws(KubeError)
    -> KubeObject
  {
    let changes = try CRDVersionChanges(old: old, new: new)
    let keep = (keeping ?? changes.storedVersionsToMigrate).filter { changes.versionsRemoved.contains($0) }
    guard !keep.isEmpty else { return new }
    var versions = new[path: "spec", "versions"]?.arrayValue ?? []
    for entry in old[path: "spec", "versions"]?.arrayValue ?? [] {
      guard let version = entry["name"]?.stringValue, keep.contains(version) else { continue }
      var kept = entry
      kept["storage"] = .bool(false)
      versions.append(kept)
    }
    var result = new
    result.json.set(.array(versions), at: ["spec", "versions"])
    return result
  }

  public var description: String {
    var parts: [String] = []
    if !versionsAdded.isEmpty { parts.append("versions added: \(versionsAdded.joined(separator: ", "))") }
    if !versionsRemoved.isEmpty { parts.append("versions removed: \(versionsRemoved.joined(separator: ", "))") }
    if !versionsNoLongerServed.isEmpty {
      parts.append("no longer served: \(versionsNoLongerServed.joined(separator: ", "))")
    }
    if let storageVersion { parts.append("storage version \(storageVersion.from) → \(storageVersion.to)") }
    if !storedVersionsToMigrate.isEmpty {
      parts.append("stored \(storedVersionsToMigrate.joined(separator: ", ")) to migrate")
    }
    if !rollback.safe { parts.append("no rollback") }
    return "crd \(name): " + (parts.isEmpty ? "versions unchanged" : parts.joined(separator: "; "))
  }

  static func isCRD(_ object: KubeObject) -> Bool {
    object.kind == "CustomResourceDefinition" && object.apiVersion?.hasPrefix("apiextensions.k8s.io/") == true
  }

  private static func rollback(
    name: String, before: Versions?, after: Versions?, stored: [String], migrated: [String]
  ) -> Rollback {
    // A CRD new in the release is left in place by a rollback (CRDs are pruned only on request), and a CRD
    // the release dropped comes back with its own versions: neither strands an object.
    guard let before, let after else { return Rollback(reasons: []) }
    // What the objects are stored in once the upgrade (with its migration) is done.
    var afterUpgrade = [after.storage]
    for version in stored where !migrated.contains(version) && !afterUpgrade.contains(version) {
      afterUpgrade.append(version)
    }
    let reasons = afterUpgrade.filter { !before.served($0) }.map { version in
      let state = before.names.contains(version) ? "has \(version) but does not serve it" : "has no version \(version)"
      let served = before.names.filter(before.served).joined(separator: ", ")
      return "rollback of crd \(name) refused: after the upgrade its objects are stored as \(version), and the older "
        + "CRD \(state) (it serves \(served.isEmpty ? "none" : served)), so the older release could not read them"
    }
    return Rollback(reasons: reasons)
  }
}

extension CRDVersionChanges {
  /// The versions of one CRD as its spec declares them.
  fileprivate struct Versions {
    var name: String
    var names: [String]
    var servedNames: Set<String>
    var storage: String
    var storedVersions: [String]?

    func served(_ version: String) -> Bool { servedNames.contains(version) }

    init(_ crd: KubeObject) throws(KubeError) {
      guard crd.kind == "CustomResourceDefinition", crd.apiVersion == "apiextensions.k8s.io/v1" else {
        throw KubeError(
          .badRequest,
          "compare CRD versions: \(crd.displayName) (\(crd.apiVersion ?? "no apiVersion")) is not an apiextensions.k8s.io/v1 CustomResourceDefinition"
        )
      }
      guard let name = crd.name, !name.isEmpty else {
        throw KubeError(.badRequest, "compare CRD versions: a CustomResourceDefinition has no metadata.name")
      }
      self.name = name
      names = []
      servedNames = []
      var storage: [String] = []
      for entry in crd[path: "spec", "versions"]?.arrayValue ?? [] {
        guard let version = entry["name"]?.stringValue, !version.isEmpty else {
          throw KubeError(.badRequest, "compare CRD versions: crd \(name) has a spec.versions entry without a name")
        }
        guard !names.contains(version) else {
          throw KubeError(
            .badRequest, "compare CRD versions: crd \(name) lists version \(version) twice in spec.versions")
        }
        names.append(version)
        if entry["served"]?.boolValue == true { servedNames.insert(version) }
        if entry["storage"]?.boolValue == true { storage.append(version) }
      }
      guard storage.count == 1 else {
        let marked = storage.isEmpty ? "no version" : "\(storage.count) versions (\(storage.joined(separator: ", ")))"
        throw KubeError(
          .badRequest,
          "compare CRD versions: crd \(name) marks \(marked) as storage in spec.versions; exactly one must be")
      }
      self.storage = storage[0]
      // Manifests sometimes carry an empty `status.storedVersions`; only a live object's list says anything.
      let listed = crd[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
      storedVersions = listed.isEmpty ? nil : listed
    }
  }
}
