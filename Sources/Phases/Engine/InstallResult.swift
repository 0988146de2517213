public import ServestackCore

/// The result of an install (or dry run): preflight, every phase, the tests, and how to resume.
public struct InstallResult: Sendable {
  public enum Tests: Sendable {
    /// `--skip-tests`, a dry run, or no install phase succeeded to test.
    case skipped(String)
    /// No test runner is plugged in (the Conformance integration); says how to run them later.
    case notRun(String)
    case ran(TestPhasesOutcome)
  }

  public var profile: Profile
  public var dryRun: Bool
  public var preflight: PreflightReport?
  public var phases: [PhaseResult]
  public var tests: Tests
  public var duration: Duration
  /// Warnings worth repeating at the end (a stale lease taken over).
  public var warnings: [String]
  /// The command that resumes a failed install, nil when nothing failed.
  public var resumeCommand: String?

  public init(
    profile: Profile, dryRun: Bool, preflight: PreflightReport?, phases: [PhaseResult], tests: Tests,
    duration: Duration,
    warnings: [String] = [], resumeCommand: String? = nil
  ) {
    self.profile = profile
    self.dryRun = dryRun
    self.preflight = preflight
    self.phases = phases
    self.tests = tests
    self.duration = duration
    self.warnings = warnings
    self.resumeCommand = resumeCommand
  }

  /// Whether preflight and every phase (and the tests that ran) passed.
  public var succeeded: Bool {
    if preflight?.failed == true { return false }
    if phases.contains(where: { $0.outcome == .failed }) { return false }
    if case .ran(let outcome) = tests, !outcome.passed { return false }
    return true
  }

  /// Whether every phase was verified unchanged (a re-run on a healthy cluster).
  public var everyPhaseUnchanged: Bool { !phases.isEmpty && phases.allSatisfy { $0.outcome == .unchanged } }

  /// The first phase that failed.
  public var failedPhase: PhaseResult? { phases.first { $0.outcome == .failed } }

  /// One line: `every phase unchanged`, `5 phases succeeded in 2m3s`, `phase kserve failed`.
  public var headline: String {
    if preflight?.failed == true { return "preflight failed: nothing was installed" }
    if let failed = failedPhase { return "phase \(failed.name) failed after \(failed.duration.short)" }
    if dryRun { return "dry run: \(phases.count) phase(s) planned, nothing was changed" }
    if everyPhaseUnchanged { return "every phase unchanged: the stack is installed and healthy, nothing was applied" }
    let applied = phases.count { $0.outcome == .succeeded }
    let unchanged = phases.count { $0.outcome == .unchanged }
    return "\(applied) phase(s) applied, \(unchanged) unchanged in \(duration.short)"
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "profile": .string(profile.rawValue), "dryRun": .bool(dryRun), "succeeded": .bool(succeeded),
      "everyPhaseUnchanged": .bool(everyPhaseUnchanged), "headline": .string(headline),
      "seconds": .double(duration.seconds),
    ]
    if let preflight { object["preflight"] = preflight.json }
    object["phases"] = .array(phases.map(\.json))
    object["tests"] = tests.json
    if !warnings.isEmpty { object["warnings"] = .array(warnings.map { .string($0) }) }
    if let resumeCommand { object["resumeCommand"] = .string(resumeCommand) }
    return .object(object)
  }
}
