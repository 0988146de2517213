/// How ``StorageVersionMigrator`` works: how many rewrites at once, page size, retries, progress.
public struct StorageVersionMigrationOptions: Sendable {
  /// Objects rewritten at the same time.
  public var concurrency: Int
  /// Objects per list page.
  public var pageSize: Int
  /// Fresh reads and rewrites of one object after a 409 conflict before it counts as failed.
  public var conflictRetries: Int
  /// How long to wait for the apiserver's discovery to announce the CRD's current storage version (it
  /// follows a CRD update within moments) before rewriting anything.
  public var storageVersionTimeout: Duration
  /// nil uses the client's field manager.
  public var fieldManager: String?
  /// Called after each object, from any task; keep it short.
  public var progress: (@Sendable (StorageVersionMigrationProgress) -> Void)?

  public init(
    concurrency: Int = 4, pageSize: Int = 500, conflictRetries: Int = 5, storageVersionTimeout: Duration = .seconds(30),
    fieldManager: String? = nil, progress: (@Sendable (StorageVersionMigrationProgress) -> Void)? = nil
  ) {
    self.concurrency = concurrency
    self.pageSize = pageSize
    self.conflictRetries = conflictRetries
    self.storageVersionTimeout = storageVersionTimeout
    self.fieldManager = fieldManager
    self.progress = progress
  }
}

/// What happened to one object, and how far the migration is.
public struct StorageVersionMigrationProgress: Sendable {
  public enum Outcome: Sendable {
    /// Rewritten: now stored in the current storage version.
    case migrated
    /// Deleted while the migration ran; nothing to rewrite.
    case skipped
    case failed(KubeError)
  }

  public var crd: String
  public var object: ObjectReference
  public var outcome: Outcome
  /// Objects finished so far (this one included), and all there are.
  public var done: Int
  public var total: Int
}

/// What ``StorageVersionMigrator/migrate(crd:)`` did.
public struct StorageVersionMigrationResult: Sendable {
  /// An object that could not be rewritten, and why.
  public struct Failure: Sendable {
    public var object: ObjectReference
    public var error: KubeError
  }

  /// The CRD's name.
  public var crd: String
  /// The storage version the objects were rewritten in.
  public var storageVersion: String
  /// `status.storedVersions` before.
  public var previousStoredVersions: [String]
  /// `status.storedVersions` after: `[storageVersion]` when the migration completed, else unchanged.
  public var storedVersions: [String]
  public var migrated: Int
  public var skipped: Int
  public var failures: [Failure]
  public var elapsed: Duration

  public var failed: Int { failures.count }
  /// Whether `storedVersions` now lists only the storage version (so the other versions can be removed).
  public var isComplete: Bool { storedVersions == [storageVersion] }
  /// Whether there was nothing to do: only the storage version was stored already.
  public var wasAlreadyMigrated: Bool { previousStoredVersions == [storageVersion] }

  /// The result, or the error that says which objects could not be rewritten when it is not complete.
  ///
  /// #### Errors
  /// ``KubeError/Code/conditionFailed`` naming the CRD, the count and the first failures.
  public func checked() throws(KubeError) -> StorageVersionMigrationResult {
    guard !isComplete else { return self }
    let shown = failures.prefix(3).map { "\($0.object): \($0.error.message)" }.joined(separator: "; ")
    let more = failures.count > 3 ? "; and \(failures.count - 3) more" : ""
    throw KubeError(
      .conditionFailed,
      "migrate stored versions of crd \(crd) to \(storageVersion): \(failed) of \(migrated + skipped + failed) objects "
        + "could not be rewritten (\(shown)\(more)); status.storedVersions stays \(storedVersions); fix those objects "
        + "(or what rejects their update) and run the migration again",
      cause: failures.first?.error)
  }
}
