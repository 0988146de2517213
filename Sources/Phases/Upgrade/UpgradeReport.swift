public import ServestackCore

/// `servestack upgrade plan`: what is installed, and per step what it would change.
public struct UpgradeReport: Sendable {
  /// One installed component: the version the state records and the one the cluster's objects carry.
  public struct Installed: Sendable {
    public let component: String
    public let version: String
    /// Read off the component's CRDs (`versionLabel`); nil when it has none or they carry no label.
    public let live: String?
  }

  /// One step's changes.
  public struct StepPlan: Sendable {
    public let step: UpgradeStep
    /// The server-side dry run of the phases the step changes (created / configured / unchanged per object).
    public let phases: [PhaseResult]
    /// Objects the old versions applied that the step's versions no longer have (pruned once it is healthy).
    public let removed: [StoredObject]
    public let crdChanges: [CRDVersionNote]
    /// Images the step's versions name that the versions before did not.
    public let images: [String]
    /// The Kubernetes range of the versions the step installs, against the cluster's.
    public let kubernetes: [String]

    public var json: JSONValue {
      var object = step.json.objectValue ?? [:]
      object["phases"] = .array(phases.map(\.json))
      object["removed"] = .array(removed.map { .string($0.description) })
      object["crdChanges"] = .array(crdChanges.map(\.json))
      object["images"] = .array(images.map { .string($0) })
      object["kubernetes"] = .array(kubernetes.map { .string($0) })
      return .object(object)
    }
  }

  public let plan: UpgradePlan
  public let installed: [Installed]
  public let kubernetes: String?
  public let steps: [StepPlan]
  /// False when CRD version changes were not analysed (no analysis wired in).
  public let crdAnalysis: Bool

  public var json: JSONValue {
    var object: JSONObject = [
      "target": .string(plan.target.description), "stack": plan.installed.json,
      "installed": .array(
        installed.map { item in
          var entry: JSONObject = ["component": .string(item.component), "version": .string(item.version)]
          if let live = item.live { entry["live"] = .string(live) }
          return .object(entry)
        }),
      "steps": .array(steps.map(\.json)), "findings": .array(plan.findings.map(\.json)),
      "succeeded": .bool(plan.failures.isEmpty), "crdAnalysis": .bool(crdAnalysis),
    ]
    if let kubernetes { object["kubernetes"] = .string(kubernetes) }
    return .object(object)
  }
}
