public import Foundation
public import ServestackCore

/// Which stack set an install uses and why: named with `--stack`, or chosen as the newest set whose
/// Kubernetes minimum (for the profile) the cluster meets. Preflight shows it.
public struct StackChoice: Sendable {
  /// The chosen set's phases.
  public let phaseSet: PhaseSet
  /// The set's name (nil: the phase set has no catalog).
  public let name: String?
  /// Why this set: `--stack`, or the cluster version against each set's minimum.
  public let reason: String
  /// What a newer cluster would get (`Kubernetes 1.32 would get kserve-0.17 (…)`), when a newer set exists.
  public let newer: String?

  public init(phaseSet: PhaseSet, name: String?, reason: String, newer: String? = nil) {
    self.phaseSet = phaseSet
    self.name = name
    self.reason = reason
    self.newer = newer
  }

  public var json: JSONValue {
    var object: JSONObject = ["reason": .string(reason)]
    if let name { object["name"] = .string(name) }
    if let newer { object["newer"] = .string(newer) }
    if let stack = phaseSet.stack { object["components"] = stack.json["components"] }
    return .object(object)
  }

  /// The line preflight prints.
  public var summary: String {
    var text = "stack set \(name ?? "(none)"): \(reason)"
    if let newer { text += "; \(newer)" }
    return text
  }

  /// The set for a command line: `stack` when given, else the newest set whose minimum Kubernetes for
  /// `profile` is at most `serverVersion` (the newest set when the version is unknown or none fits).
  ///
  /// #### Errors
  /// ``PhaseError`` when the phases or the catalog do not load, or `stack` names no set.
  public static func choose(
    phases: URL? = nil, extra: [URL] = [], stack: String?, profile: Profile, serverVersion: String?
  ) throws(PhaseError) -> StackChoice {
    if let stack {
      let set = try PhaseSet.resolve(phases: phases, extra: extra, stack: stack)
      return StackChoice(phaseSet: set, name: stack, reason: "named with --stack")
    }
    guard let catalog = try PhaseSet.catalog(phases: phases), !catalog.stacks.isEmpty else {
      let set = try PhaseSet.resolve(phases: phases, extra: extra)
      return StackChoice(
        phaseSet: set, name: nil,
        reason: "the phase set \(set.origin) has no version catalog: its phase files pin the versions")
    }
    // Newest first, each with its floor for the profile.
    var candidates: [(name: String, set: PhaseSet, minimum: KubernetesVersion?)] = []
    for definition in catalog.stacks.reversed() {
      let set = try PhaseSet.resolve(phases: phases, extra: extra, stack: definition.name)
      candidates.append((definition.name, set, VersionMatrix(set).kubernetes(for: profile).minimum))
    }
    let newest = candidates[0]
    func floor(_ minimum: KubernetesVersion?) -> String {
      minimum.map { "Kubernetes \($0)" } ?? "no Kubernetes minimum"
    }
    guard let text = serverVersion, let server = try? KubernetesVersion(text) else {
      return StackChoice(
        phaseSet: newest.set, name: newest.name,
        reason:
          "the newest set (the cluster's version is not known: \(serverVersion ?? "unreachable")); it needs \(floor(newest.minimum)) for profile \(profile)"
      )
    }
    guard let index = candidates.firstIndex(where: { $0.minimum.map { server >= $0 } ?? true }) else {
      let floors = candidates.map { "\($0.name) needs \(floor($0.minimum))" }.joined(separator: ", ")
      return StackChoice(
        phaseSet: newest.set, name: newest.name,
        reason:
          "Kubernetes \(text) meets no set's minimum for profile \(profile) (\(floors)); \(newest.name), the newest, is checked and will fail the kubernetes-version check",
        newer: "upgrade the cluster to at least \(floor(candidates.compactMap(\.minimum).min()))")
    }
    let chosen = candidates[index]
    var reason =
      "the newest set whose minimum for profile \(profile) (\(floor(chosen.minimum))) Kubernetes \(text) meets"
    if index > 0 {
      reason +=
        " (newer: " + candidates[..<index].map { "\($0.name) needs \(floor($0.minimum))" }.joined(separator: ", ") + ")"
    }
    let newer =
      index > 0
      ? "Kubernetes \(candidates[index - 1].minimum?.description ?? "?") would get \(candidates[index - 1].name)" : nil
    return StackChoice(phaseSet: chosen.set, name: chosen.name, reason: reason, newer: newer)
  }
}
