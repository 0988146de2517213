public import Foundation
public import Phases
import ServestackCore

extension TestPhase {
  /// The test phase of a validated phase file (`kind: test`); nil for other kinds.
  public init?(spec: PhaseSpec) {
    guard spec.kind == .test else { return nil }
    var index = 0
    let steps = spec.steps.map { step -> RawStep in
      index += 1
      return RawStep(
        action: step.action.rawValue, body: step.body,
        source: "\(spec.file) step \(index) (\(step.action.rawValue), line \(step.source.line))")
    }
    self.init(
      name: spec.name.rawValue, file: spec.file, description: spec.description,
      profiles: Set(spec.profiles.map(\.rawValue)), after: spec.after.map(\.rawValue), timeout: spec.timeout.duration,
      rawSteps: steps)
  }

  /// The test phases a command line asks for: the built-in set (or `--phases DIR`) plus `--extra-phases`
  /// folders, the test phases of `profile` in run order, only `only` when given.
  ///
  /// #### Errors
  /// ``PhaseError`` for a phase file that does not validate or an unknown `--only` name; ``ValueError`` for
  /// an unknown profile.
  public static func select(
    phases: URL? = nil, extra: [URL] = [], profile: String, only: [String] = []
  ) throws -> [TestPhase] {
    let set = try PhaseSet.resolve(phases: phases, extra: extra)
    let selected = try set.selection(profile: try Profile(parsing: profile), kinds: [.test], only: only)
    return selected.compactMap(TestPhase.init(spec:))
  }
}
