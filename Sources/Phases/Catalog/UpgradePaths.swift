import ServestackCore

/// Upgrade paths through the catalog: a version can be applied over another when its `upgradeFrom`
/// admits it, so Knative goes one minor at a time (1.15 → 1.16 → … → 1.21).
public enum UpgradePaths {
  /// The versions to apply, in order, to go from `from` to `to` (neither included when equal; `to` last),
  /// the fewest steps; nil when the catalog has no path.
  public static func path(_ component: CatalogComponent, from: SemanticVersion, to: SemanticVersion)
    -> [CatalogVersion]?
  {
    if from == to { return [] }
    let candidates = component.versions.filter { $0.semanticVersion > from && $0.semanticVersion <= to }
    // Breadth first from `from`: the first time `to` is reached is a shortest path.
    var previous: [SemanticVersion: SemanticVersion] = [:]
    var frontier = [from]
    var seen: Set<SemanticVersion> = [from]
    while !frontier.isEmpty {
      var next: [SemanticVersion] = []
      for current in frontier {
        for candidate in candidates where !seen.contains(candidate.semanticVersion) && candidate.upgrades(from: current)
        {
          seen.insert(candidate.semanticVersion)
          previous[candidate.semanticVersion] = current
          next.append(candidate.semanticVersion)
        }
      }
      if seen.contains(to) { break }
      frontier = next
    }
    guard seen.contains(to) else { return nil }
    var chain: [SemanticVersion] = [to]
    while let before = previous[chain[0]], before != from { chain.insert(before, at: 0) }
    return chain.compactMap { version in component.versions.first { $0.semanticVersion == version } }
  }

  /// One component's part of going from one set to another.
  public struct Step: Sendable {
    public let component: String
    public let from: String
    public let to: String
    /// The versions applied in order; nil when the catalog has no path.
    public let path: [String]?
    /// Why there is no path (the target's upgradeFrom).
    public let blocked: String?
  }

  /// What moving from set `from` to set `to` takes, per component that changes.
  public static func steps(_ catalog: VersionCatalog, from: StackDefinition, to: StackDefinition) -> [Step] {
    to.components.compactMap { component, target -> Step? in
      guard let source = from.version(of: component), let entry = catalog.components[component],
        let a = entry.version(source), let b = entry.version(target), a.semanticVersion != b.semanticVersion
      else { return nil }
      guard a.semanticVersion < b.semanticVersion else {
        return Step(
          component: component, from: a.version, to: b.version, path: nil,
          blocked: "a downgrade (rollback) is not an upgrade path")
      }
      if let chain = path(entry, from: a.semanticVersion, to: b.semanticVersion) {
        return Step(component: component, from: a.version, to: b.version, path: chain.map(\.version), blocked: nil)
      }
      return Step(
        component: component, from: a.version, to: b.version, path: nil,
        blocked:
          "no path in the catalog (\(b.version) upgrades from \(b.upgradeFrom.map(\.text).joined(separator: ", ")))")
    }
  }
}
