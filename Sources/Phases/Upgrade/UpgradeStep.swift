public import ServestackCore

/// One step of an upgrade: the components that move together (Knative Serving with its ingress) and the
/// versions of every component once the step is done.
public struct UpgradeStep: Sendable {
  /// One component's move in a step.
  public struct Change: Sendable, Equatable, CustomStringConvertible {
    public let component: String
    public let from: String
    public let to: String

    public init(component: String, from: String, to: String) {
      self.component = component
      self.from = from
      self.to = to
    }

    public var description: String { "\(component) \(from) → \(to)" }
  }

  /// 1-based position in the plan.
  public let index: Int
  public let changes: [Change]
  /// Every component's version after the step, in the set's order.
  public let versions: [(component: String, version: String)]
  /// The name the state records for `versions`: a catalog set's name when they are one, else the set the
  /// upgrade started from with its changes (`kserve-0.15+knative-serving@v1.16.3`).
  public let name: String
  /// Going back to versions installed before (a rollback), not along `upgradeFrom`.
  public let rollback: Bool

  /// `knative-serving v1.15.2 → v1.16.3, net-istio v1.15.1 → v1.16.0`.
  public var summary: String { changes.map(\.description).joined(separator: ", ") }

  /// The catalog's set definition for the step's versions (what the phase templates are resolved for).
  public func definition(source: FileLocation) -> StackDefinition {
    StackDefinition(name: name, description: nil, components: versions, source: source)
  }

  public var selection: StackSelection { StackSelection(name: name, components: versions) }

  public var json: JSONValue {
    [
      "index": .int(index), "name": .string(name), "rollback": .bool(rollback),
      "changes": .array(
        changes.map { ["component": .string($0.component), "from": .string($0.from), "to": .string($0.to)] }),
      "versions": .object(JSONObject(uniqueKeysWithValues: versions.map { ($0.component, .string($0.version)) })),
    ]
  }
}
