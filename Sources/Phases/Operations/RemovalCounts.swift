public import ServestackCore

/// What uninstalling a phase did to its objects, counted: the `objects` of its `phase-finished` event
/// (install counts created, configured and unchanged instead).
public struct RemovalCounts: Sendable, Equatable {
  /// Deleted (or, in a dry run, that would be).
  public var deleted = 0
  /// Left alone: someone else's, or CRDs without `--delete-crds`.
  public var kept = 0
  public var failures: [ObjectCounts.Failure] = []
  public var failed: Int { failures.count }

  public init(deleted: Int = 0, kept: Int = 0, failures: [ObjectCounts.Failure] = []) {
    self.deleted = deleted
    self.kept = kept
    self.failures = failures
  }

  /// `12 deleted, 3 kept, 1 failed`.
  public var summary: String { "\(deleted) deleted, \(kept) kept, \(failed) failed" }

  public var json: JSONValue {
    [
      "deleted": .int(deleted), "kept": .int(kept), "failed": .int(failed),
      "failures": .array(failures.map { ["object": .string($0.object), "message": .string($0.message)] }),
    ]
  }
}
