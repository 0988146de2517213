public import ServestackCore

/// What the engine reports while it works; the CLI draws progress from these (one line per phase on a
/// terminal, one JSON object per line with `-o json`).
public enum EngineEvent: Sendable {
  /// Preflight finished.
  case preflight(PreflightReport)
  /// A phase started: its position, the decision taken (`applying: not installed yet`, `verifying`).
  case phaseStarted(name: PhaseName, index: Int, total: Int, action: PhaseAction)
  /// A batch of objects of a phase was applied.
  case objectsApplied(phase: PhaseName, counts: ObjectCounts)
  /// A wait of a phase moved (`deployment kserve/x`, `0/1 available`).
  case waitProgress(phase: PhaseName, what: String, state: String)
  /// Uninstall: `done` of a phase's `total` objects are deleted (or kept, or failed).
  case removalProgress(phase: PhaseName, done: Int, total: Int)
  case phaseFinished(PhaseResult)
  /// Something the operator should know that is not a failure (a stale lease taken over).
  case warning(String)
  case summary(InstallResult)

  /// The event as one JSON object (`{"event": "phase-started", …}`).
  public var json: JSONValue {
    switch self {
    case .preflight(let report):
      var object = report.json.objectValue ?? [:]
      object.updateValue("preflight", forKey: "event", insertingAt: 0)
      return .object(object)
    case .phaseStarted(let name, let index, let total, let action):
      return [
        "event": "phase-started", "phase": .string(name.rawValue), "index": .int(index), "total": .int(total),
        "action": .string(action.description),
      ]
    case .objectsApplied(let phase, let counts):
      var object = counts.json.objectValue ?? [:]
      object.updateValue("object-applied", forKey: "event", insertingAt: 0)
      object.updateValue(.string(phase.rawValue), forKey: "phase", insertingAt: 1)
      return .object(object)
    case .waitProgress(let phase, let what, let state):
      return [
        "event": "wait-progress", "phase": .string(phase.rawValue), "what": .string(what), "state": .string(state),
      ]
    case .removalProgress(let phase, let done, let total):
      return ["event": "removal-progress", "phase": .string(phase.rawValue), "done": .int(done), "total": .int(total)]
    case .phaseFinished(let result):
      var object = result.json.objectValue ?? [:]
      object.updateValue("phase-finished", forKey: "event", insertingAt: 0)
      // `phase` as in the other phase events; `name` stays for readers of the result object.
      object.updateValue(.string(result.name.rawValue), forKey: "phase", insertingAt: 1)
      return .object(object)
    case .warning(let message):
      return ["event": "warning", "message": .string(message)]
    case .summary(let result):
      var object = result.json.objectValue ?? [:]
      object.updateValue("summary", forKey: "event", insertingAt: 0)
      return .object(object)
    }
  }
}

/// Receives engine events (from several tasks at once; keep it quick).
public typealias EngineEventSink = @Sendable (EngineEvent) -> Void
