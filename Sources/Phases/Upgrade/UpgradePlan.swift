public import ServestackCore

/// The ordered steps from the installed versions to a target, with the preflight findings.
public struct UpgradePlan: Sendable {
  public let target: UpgradeTarget
  /// What is installed (the state's set).
  public let installed: StackSelection
  public let steps: [UpgradeStep]
  public let findings: [UpgradeFinding]

  /// Findings not ignored: the upgrade does not start.
  public var failures: [UpgradeFinding] { findings.filter { !$0.ignored } }

  /// The versions once every step is done.
  public var final: [(component: String, version: String)] { steps.last?.versions ?? installed.components }

  public var json: JSONValue {
    [
      "target": .string(target.description), "installed": installed.json, "steps": .array(steps.map(\.json)),
      "findings": .array(findings.map(\.json)),
    ]
  }
}
