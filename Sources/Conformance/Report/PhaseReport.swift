/// The result of one test phase: its checks in the order they ran.
public struct PhaseReport: Sendable, Hashable {
  public var name: String
  /// The phase file, as named in messages (`phases/80-smoke.yaml`).
  public var file: String?
  public var outcome: TestOutcome
  public var durationSeconds: Double
  /// Why the phase was skipped or failed, in one line (the first failed check's reason).
  public var reason: String
  public var checks: [CheckResult]
  /// For a phase with GPU steps: the highest level of GPU use its checks proved (`nil` for other phases).
  public var gpuProof: GPUProofLevel?

  public init(
    name: String, file: String? = nil, outcome: TestOutcome, durationSeconds: Double, reason: String = "",
    checks: [CheckResult], gpuProof: GPUProofLevel? = nil
  ) {
    self.name = name
    self.file = file
    self.outcome = outcome
    self.durationSeconds = durationSeconds
    self.reason = reason
    self.checks = checks
    self.gpuProof = gpuProof
  }

  /// The metrics of every check, merged (later checks win on equal names).
  public var metrics: [String: Double] {
    checks.reduce(into: [:]) { merged, check in merged.merge(check.metrics) { _, new in new } }
  }

  /// A phase failed when one of its checks failed; it is skipped when every check was skipped.
  public static func outcome(of checks: [CheckResult]) -> TestOutcome {
    if checks.contains(where: { $0.outcome == .failed }) { return .failed }
    if !checks.isEmpty && checks.allSatisfy({ $0.outcome == .skipped }) { return .skipped }
    return .passed
  }
}
