public import Registry

/// How image lists differ from the images their manifests need.
public struct DriftReport: Sendable, Equatable {
  /// One list's difference.
  public struct Drift: Sendable, Equatable {
    /// The list's name (`kserve-v0.16.0`).
    public var list: String
    /// In the list, but no manifest needs it any more.
    public var extra: [ImageReference]
    /// Needed by the manifests, but not in the list.
    public var missing: [ImageReference]
  }

  /// Lists that differ (those that match are left out).
  public var drifts: [Drift] = []
  /// Component versions with manifests but no list at all.
  public var missingLists: [ComponentVersion] = []
  /// Lists with no manifests to check them against (not a drift: nothing says they are wrong).
  public var unchecked: [String] = []
  /// Lists that were compared and match.
  public var matching: [String] = []

  public var hasDrift: Bool { !drifts.isEmpty || !missingLists.isEmpty }

  /// A human summary: one block per list that drifted.
  public var summary: String {
    var lines: [String] = []
    for drift in drifts {
      lines.append("\(drift.list).txt drifted from its manifests:")
      lines += drift.missing.map { "  missing: \($0)" }
      lines += drift.extra.map { "  extra:   \($0)" }
    }
    for missing in missingLists { lines.append("\(missing.fileName) is missing (its manifests need images)") }
    if !hasDrift { lines.append("\(matching.count) image lists match their manifests") }
    if hasDrift { lines.append("regenerate with: servestack images --write --manifests DIR") }
    return lines.joined(separator: "\n")
  }
}
