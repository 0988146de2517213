public import ServestackCore

/// The supported versions of a phase set, as `servestack versions` shows them: one row per component.
public struct VersionMatrix: Sendable {
  public struct Row: Sendable, Equatable {
    public let component: String
    public let version: String
    public let phase: PhaseName
    public let profiles: [Profile]
    public let kubernetesMinimum: KubernetesVersion?
    public let kubernetesRecommended: KubernetesVersion?
  }

  public let origin: String
  public let rows: [Row]

  /// The components of `set`'s phases, in install order.
  public init(_ set: PhaseSet) {
    origin = set.origin
    rows = set.ordered.compactMap { phase in
      guard let component = phase.component else { return nil }
      return Row(
        component: component.name, version: component.version, phase: phase.name, profiles: phase.profiles.sorted(),
        kubernetesMinimum: component.kubernetes?.minimum, kubernetesRecommended: component.kubernetes?.recommended)
    }
  }

  /// The highest Kubernetes floor and recommendation among the components of `profile`.
  public func kubernetes(for profile: Profile) -> (minimum: KubernetesVersion?, recommended: KubernetesVersion?) {
    let selected = rows.filter { $0.profiles.contains(profile) }
    return (selected.compactMap(\.kubernetesMinimum).max(), selected.compactMap(\.kubernetesRecommended).max())
  }

  public var json: JSONValue {
    [
      "phases": .string(origin),
      "components": .array(
        rows.map { row in
          var object: JSONObject = [
            "component": .string(row.component), "version": .string(row.version), "phase": .string(row.phase.rawValue),
            "profiles": .array(row.profiles.map { .string($0.rawValue) }),
          ]
          if let minimum = row.kubernetesMinimum, let recommended = row.kubernetesRecommended {
            object["kubernetes"] = [
              "min": .string(minimum.description), "recommended": .string(recommended.description),
            ]
          }
          return .object(object)
        }),
      "profiles": .object(
        JSONObject(
          uniqueKeysWithValues: Profile.allCases.map { profile in
            let (minimum, recommended) = kubernetes(for: profile)
            var object: JSONObject = [:]
            if let minimum { object["kubernetesMin"] = .string(minimum.description) }
            if let recommended { object["kubernetesRecommended"] = .string(recommended.description) }
            return (profile.rawValue, .object(object))
          })),
    ]
  }
}
