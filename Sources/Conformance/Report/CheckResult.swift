/// How one check, one phase or one run came out.
public enum TestOutcome: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case passed
  case failed
  case skipped

  public var description: String { rawValue }
}

/// One check of a test phase (one step of its file): what it was, how it came out, why, and what was found
/// when it failed.
public struct CheckResult: Sendable, Hashable {
  /// The step's `name:` (`ready`, `v1-predict`), unique within its phase.
  public var name: String
  /// The step's action: `apply`, `wait`, `request`, `expect`, `observe`, `cleanup`.
  public var action: String
  public var outcome: TestOutcome
  public var durationSeconds: Double
  /// One line: what was seen (`{"predictions": [1, 1]} as expected`), or why it failed or was skipped.
  public var reason: String
  /// For failures: what was found in the cluster (InferenceService conditions, pod states, image pull errors
  /// with the image, scheduler messages, recent events), one finding per entry.
  public var diagnosis: [String]
  /// Figures measured by the check (`scaleUpSeconds`, `latencyP99Seconds`), in the report's units.
  public var metrics: [String: Double]
  /// For an observe step under load: replicas and latency quantiles over time (empty otherwise).
  public var timeline: [TimelinePoint]

  public init(
    name: String, action: String, outcome: TestOutcome, durationSeconds: Double, reason: String,
    diagnosis: [String] = [], metrics: [String: Double] = [:], timeline: [TimelinePoint] = []
  ) {
    self.name = name
    self.action = action
    self.outcome = outcome
    self.durationSeconds = durationSeconds
    self.reason = reason
    self.diagnosis = diagnosis
    self.metrics = metrics
    self.timeline = timeline
  }
}
