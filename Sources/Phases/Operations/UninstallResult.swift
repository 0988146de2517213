public import ServestackCore

/// What uninstall did, per phase (CRDs and Namespaces are reported under the phase that applied them).
public struct UninstallResult: Sendable {
  public struct Removal: Sendable {
    public var phase: String
    public var deleted: [String] = []
    /// Objects left alone, with why (another manager owns them, CRDs without `--delete-crds`).
    public var kept: [KeptObject] = []
    public var failed: [ObjectCounts.Failure] = []
    public var duration: Duration = .zero

    public var json: JSONValue {
      [
        "phase": .string(phase), "deleted": .array(deleted.map { .string($0) }),
        "kept": .array(kept.map(\.json)), "failed": .array(failed.map(\.json)),
        "seconds": .double(duration.seconds),
      ]
    }
  }

  public var dryRun: Bool
  public var removals: [Removal]
  public var duration: Duration
  public var warnings: [String]

  public var succeeded: Bool { removals.allSatisfy { $0.failed.isEmpty } }
  public var nothingInstalled: Bool { removals.isEmpty }

  public var json: JSONValue {
    [
      "dryRun": .bool(dryRun), "succeeded": .bool(succeeded), "seconds": .double(duration.seconds),
      "phases": .array(removals.map(\.json)), "warnings": .array(warnings.map { .string($0) }),
    ]
  }
}
