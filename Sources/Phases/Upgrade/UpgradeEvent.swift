public import ServestackCore

/// What an upgrade reports while it works: its own steps and, inside each, the install engine's events.
public enum UpgradeEvent: Sendable {
  /// A step starts: its position and the versions it moves (`knative-serving v1.15.2 → v1.16.3`).
  case stepStarted(UpgradeStep, total: Int)
  case engine(EngineEvent)
  /// Objects of the old versions were removed after the step became healthy (or kept: another manager's).
  case pruned(step: Int, deleted: [StoredObject], kept: [KeptObject], failed: [ObjectCounts.Failure])
  case stepFinished(UpgradeStep, succeeded: Bool)
  case warning(String)
  /// The probe InferenceService answered and is asked from now on (its description).
  case probeStarted(String)
  /// The probe stopped after the last step: what it saw.
  case probe(UpgradeProbeSummary)

  public var json: JSONValue {
    switch self {
    case .stepStarted(let step, let total):
      var object = step.json.objectValue ?? [:]
      object.updateValue("step-started", forKey: "event", insertingAt: 0)
      object["total"] = .int(total)
      return .object(object)
    case .engine(let event): return event.json
    case .pruned(let step, let deleted, let kept, let failed):
      return [
        "event": "pruned", "step": .int(step), "deleted": .array(deleted.map { .string($0.description) }),
        "kept": .array(kept.map { .string($0.description) }),
        "failed": .array(failed.map { .string($0.description) }),
      ]
    case .stepFinished(let step, let succeeded):
      return [
        "event": "step-finished", "index": .int(step.index), "name": .string(step.name), "succeeded": .bool(succeeded),
      ]
    case .warning(let message): return ["event": "warning", "message": .string(message)]
    case .probeStarted(let target): return ["event": "probe-started", "target": .string(target)]
    case .probe(let summary):
      var object = summary.json.objectValue ?? [:]
      object.updateValue("probe-finished", forKey: "event", insertingAt: 0)
      return .object(object)
    }
  }
}

public typealias UpgradeEventSink = @Sendable (UpgradeEvent) -> Void
