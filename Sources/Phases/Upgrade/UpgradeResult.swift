import Foundation
public import ServestackCore

/// What `servestack upgrade apply` did: per step the install engine's result and what was pruned; a
/// failed step stops the run and says how to go on or back.
public struct UpgradeResult: Sendable {
  public struct StepOutcome: Sendable {
    public let step: UpgradeStep
    /// The engine's result for the phases the step applied (nil: none needed applying, e.g. on resume).
    public let install: InstallResult?
    public var pruned: [StoredObject] = []
    /// Objects of the old version kept: another manager's (with why), or CRDs without `--prune-crds`.
    public var kept: [KeptObject] = []
    public var pruneFailures: [ObjectCounts.Failure] = []
    public var crdMigrations: [String] = []

    public var succeeded: Bool { install?.succeeded ?? true }

    public var json: JSONValue {
      var object = step.json.objectValue ?? [:]
      object["succeeded"] = .bool(succeeded)
      if let install { object["install"] = install.json }
      object["pruned"] = .array(pruned.map { .string($0.description) })
      object["kept"] = .array(kept.map { .string($0.description) })
      object["pruneFailures"] = .array(pruneFailures.map { .string($0.description) })
      object["crdMigrations"] = .array(crdMigrations.map { .string($0) })
      return .object(object)
    }
  }

  public let plan: UpgradePlan
  public var steps: [StepOutcome]
  public var warnings: [String]
  /// When a step failed: the command that goes on, and the one that goes back.
  public var resumeCommand: String?
  public var rollbackCommand: String?
  public var duration: Duration
  /// What the probe InferenceService answered during the steps (nil: no probe ran).
  public var probe: UpgradeProbeSummary?
  /// The test phases after the last step.
  public var tests: InstallResult.Tests = .skipped("no upgrade step ran")

  public var succeeded: Bool {
    guard plan.failures.isEmpty, steps.allSatisfy(\.succeeded) else { return false }
    if case .ran(let outcome) = tests, !outcome.passed { return false }
    return true
  }
  public var failedStep: StepOutcome? { steps.first { !$0.succeeded } }

  public var json: JSONValue {
    var object: JSONObject = [
      "succeeded": .bool(succeeded), "plan": plan.json, "steps": .array(steps.map(\.json)),
      "warnings": .array(warnings.map { .string($0) }), "seconds": .double(duration.seconds),
    ]
    if let resumeCommand { object["resumeCommand"] = .string(resumeCommand) }
    if let rollbackCommand { object["rollbackCommand"] = .string(rollbackCommand) }
    if let probe { object["probe"] = probe.json }
    object["tests"] = tests.json
    return .object(object)
  }
}
