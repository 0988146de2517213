public import Kubernetes
public import ServestackCore

/// What applying (or dry-running) one object of a phase did, for plans.
public struct ObjectOutcome: Sendable {
  /// `configmap kserve/inferenceservice-config`.
  public var object: String
  public var outcome: ApplyOutcome

  public init(object: String, outcome: ApplyOutcome) {
    self.object = object
    self.outcome = outcome
  }

  /// Whether applying it changes the cluster (or, for a failure, would have).
  public var changes: Bool {
    if case .unchanged = outcome { return false }
    return true
  }

  /// `{"object": …, "outcome": "created"}`: the outcome's label, as kubectl prints it.
  public var json: JSONValue { ["object": .string(object), "outcome": .string(outcome.label)] }
}
