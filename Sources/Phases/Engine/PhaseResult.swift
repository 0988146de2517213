import Foundation
public import ServestackCore

/// How a phase ended in one run.
public enum PhaseOutcome: String, Sendable, Hashable, CustomStringConvertible {
  /// Applied (something may have changed) and every wait holds.
  case succeeded
  /// Installed earlier with the same digest; its waits were re-checked and hold; nothing was applied.
  case unchanged
  /// An apply or a wait failed; the install stops here.
  case failed
  /// Not run: an earlier phase failed, or the run stopped before it.
  case notRun = "not run"
  /// A dry run: server-side dry-run applies only, no waits.
  case planned

  public var description: String { rawValue }
}

/// What applying a phase's objects did, counted, with the failures.
public struct ObjectCounts: Sendable, Equatable {
  public struct Failure: Sendable, Equatable, CustomStringConvertible {
    /// `deployment kserve/x`.
    public var object: String
    public var message: String
    public var description: String { "\(object): \(message)" }
    public var json: JSONValue { ["object": .string(object), "message": .string(message)] }

    public init(object: String, message: String) {
      self.object = object
      self.message = message
    }
  }

  public var created = 0
  public var configured = 0
  public var unchanged = 0
  public var failures: [Failure] = []
  public var failed: Int { failures.count }
  public var total: Int { created + configured + unchanged + failed }

  public init(created: Int = 0, configured: Int = 0, unchanged: Int = 0, failures: [Failure] = []) {
    self.created = created
    self.configured = configured
    self.unchanged = unchanged
    self.failures = failures
  }

  public static func + (a: ObjectCounts, b: ObjectCounts) -> ObjectCounts {
    ObjectCounts(
      created: a.created + b.created, configured: a.configured + b.configured, unchanged: a.unchanged + b.unchanged,
      failures: a.failures + b.failures)
  }

  /// `12 created, 3 configured, 40 unchanged, 1 failed`.
  public var summary: String {
    var parts = ["\(created) created", "\(configured) configured", "\(unchanged) unchanged"]
    if failed > 0 { parts.append("\(failed) failed") }
    return parts.joined(separator: ", ")
  }

  public var json: JSONValue {
    [
      "created": .int(created), "configured": .int(configured), "unchanged": .int(unchanged), "failed": .int(failed),
      "failures": .array(failures.map(\.json)),
    ]
  }
}

/// One wait of a phase and how it ended.
public struct WaitOutcome: Sendable, Equatable {
  /// `deployment kserve/kserve-controller-manager rolled out`, `webhook "x" serving`.
  public var what: String
  public var satisfied: Bool
  /// The last state seen (`1/1 available`, `0 ready endpoints`).
  public var state: String
  public var elapsed: Duration
  /// Why it did not hold: what is missing and the likely cause (pods, events, webhook errors).
  public var problem: String?

  public init(what: String, satisfied: Bool, state: String, elapsed: Duration, problem: String? = nil) {
    self.what = what
    self.satisfied = satisfied
    self.state = state
    self.elapsed = elapsed
    self.problem = problem
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "what": .string(what), "satisfied": .bool(satisfied), "state": .string(state),
      "seconds": .double(elapsed.seconds),
    ]
    if let problem { object["problem"] = .string(problem) }
    return .object(object)
  }
}

/// The result of one phase: a value, also when it failed.
public struct PhaseResult: Sendable {
  public var name: PhaseName
  public var outcome: PhaseOutcome
  /// Why the phase was applied, verified or not run (`not installed yet`, `verified`).
  public var reason: String
  public var objects: ObjectCounts
  public var waits: [WaitOutcome]
  public var duration: Duration
  /// The rendered phase's digest (after any rewrite), nil when it was not rendered.
  public var digest: Digest?
  /// The objects applied, for the state (and uninstall).
  public var applied: [StoredObject]
  /// Per object outcome (created, configured, unchanged, failed) for plans.
  public var objectOutcomes: [ObjectOutcome]
  /// What went wrong, one finding per line: the object, what is missing, the likely cause.
  public var problems: [String]
  /// The images the phase's objects name (plans only, when an image lister is given).
  public var images: [String] = []
  /// Uninstall only: what was deleted and kept, reported as `objects` in place of the apply counts.
  public var removed: RemovalCounts?

  public init(
    name: PhaseName, outcome: PhaseOutcome, reason: String, objects: ObjectCounts = ObjectCounts(),
    waits: [WaitOutcome] = [],
    duration: Duration = .zero, digest: Digest? = nil, applied: [StoredObject] = [],
    objectOutcomes: [ObjectOutcome] = [], problems: [String] = []
  ) {
    self.name = name
    self.outcome = outcome
    self.reason = reason
    self.objects = objects
    self.waits = waits
    self.duration = duration
    self.digest = digest
    self.applied = applied
    self.objectOutcomes = objectOutcomes
    self.problems = problems
  }

  public var failedWaits: [WaitOutcome] { waits.filter { !$0.satisfied } }

  public var json: JSONValue {
    var object: JSONObject = [
      "name": .string(name.rawValue), "status": .string(outcome.rawValue), "reason": .string(reason),
      "objects": objects.json, "waits": .array(waits.map(\.json)), "seconds": .double(duration.seconds),
    ]
    if let removed { object["objects"] = removed.json }
    if let digest { object["digest"] = .string(digest.description) }
    if !objectOutcomes.isEmpty {
      object["objectOutcomes"] = .array(objectOutcomes.map(\.json))
    }
    if !problems.isEmpty { object["problems"] = .array(problems.map { .string($0) }) }
    if !images.isEmpty { object["images"] = .array(images.map { .string($0) }) }
    return .object(object)
  }
}

extension Duration {
  /// The duration in seconds, as a Double.
  public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

  /// `0.4s`, `12s`, `2m30s`.
  public var short: String {
    let value = seconds
    if value < 10 { return String(format: "%.1fs", value) }
    let whole = Int(value.rounded())
    if whole < 120 { return "\(whole)s" }
    return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m\(whole % 60)s"
  }
}
