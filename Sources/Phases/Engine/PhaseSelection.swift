import ServestackCore

extension PhaseSet {
  /// Every phase in install order (all profiles).
  public var ordered: [PhaseSpec] {
    // The set was validated on creation, so the sort cannot fail.
    (try? PhaseOrder.sort(phases)) ?? phases
  }

  /// The phases of `profile` in run order, optionally only some kinds.
  public func selection(profile: Profile, kinds: Set<PhaseKind> = Set(PhaseKind.allCases)) -> [PhaseSpec] {
    let selected = phases.filter { $0.applies(to: profile) && kinds.contains($0.kind) }
    return (try? PhaseOrder.sort(selected)) ?? selected
  }

  /// The install phases of `profile` in the order `uninstall` removes them: the reverse of install order.
  public func uninstallOrder(profile: Profile) -> [PhaseSpec] {
    selection(profile: profile, kinds: [.install]).reversed()
  }

  /// The phases of `profile` (optionally only some kinds) for `--from`/`--only`.
  ///
  /// - Parameters:
  ///   - from: start at this phase (inclusive) and run everything after it.
  ///   - only: run just these phases, in run order.
  ///
  /// #### Errors
  /// ``PhaseError`` `selection` (a usage error) when a name is not a phase of the set, or the phase does
  /// not belong to `profile` or to the kinds asked for.
  public func selection(
    profile: Profile, kinds: Set<PhaseKind> = Set(PhaseKind.allCases), from: String? = nil, only: [String] = []
  ) throws(PhaseError) -> [PhaseSpec] {
    let selected = selection(profile: profile, kinds: kinds)
    func lookup(_ text: String, flag: String) throws(PhaseError) -> PhaseName {
      let available = selected.map(\.name.rawValue).joined(separator: ", ")
      guard let name = try? PhaseName(text), let phase = self[name] else {
        throw PhaseError(
          .selection, "\(flag) \(text): no such phase in the \(origin) set; phases for profile \(profile): \(available)"
        )
      }
      guard selected.contains(where: { $0.name == name }) else {
        let why = phase.applies(to: profile) ? "it is a \(phase.kind) phase" : "it is not part of profile \(profile)"
        throw PhaseError(.selection, "\(flag) \(text): \(why); phases here: \(available)")
      }
      return name
    }
    var result = selected
    if let from {
      let name = try lookup(from, flag: "--from")
      if let start = result.firstIndex(where: { $0.name == name }) { result = Array(result[start...]) }
    }
    if !only.isEmpty {
      var names = Set<PhaseName>()
      for text in only { names.insert(try lookup(text, flag: "--only")) }
      result = result.filter { names.contains($0.name) }
    }
    return result
  }
}
