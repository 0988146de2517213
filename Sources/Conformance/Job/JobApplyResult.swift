public import Kubernetes
public import ServestackCore

/// What ``JobApplier/apply(_:)`` did to each object, in apply order.
public struct JobApplyResult: Sendable {
  /// One object and its outcome.
  public struct Item: Sendable {
    /// `cronjob servestack-system/servestack-conformance`, or `object #3` when it has no valid name.
    public var object: String
    public var outcome: ApplyOutcome
  }

  public var dryRun: Bool
  public var items: [Item]
  /// What was left out and why (no Prometheus Operator for the alerts), for the user to read.
  public var notes: [String]
  /// The CronJob API version the objects were rendered with.
  public var cronJobAPIVersion: String

  /// The first failure, nil when every object was (or in a dry run, would be) applied.
  public var failure: KubeError? { items.lazy.compactMap(\.outcome.error).first }

  public var json: JSONValue {
    let objects = items.map { JSONValue.object(["object": .string($0.object), "outcome": .string("\($0.outcome)")]) }
    return ["dryRun": .bool(dryRun), "objects": .array(objects)]
  }
}
