import ServestackCore

/// The state's record of the last upgrade (key `upgrade` of the state ConfigMap): what it moves to, what
/// was installed before it (the rollback target), and objects of the old versions still to prune once the
/// current step is healthy. It is how a killed upgrade resumes with the same command.
public struct UpgradeRecord: Sendable, Equatable {
  /// ``UpgradeTarget/description`` of the run.
  public var target: String
  /// What was installed before the upgrade began.
  public var previous: StackSelection
  /// This run goes back to `previous` of an earlier upgrade.
  public var rollback: Bool
  public var finished: Bool
  /// Objects the old versions applied that the step being applied no longer has.
  public var prune: [StoredObject]

  public init(
    target: String, previous: StackSelection, rollback: Bool, finished: Bool = false, prune: [StoredObject] = []
  ) {
    self.target = target
    self.previous = previous
    self.rollback = rollback
    self.finished = finished
    self.prune = prune
  }

  var json: JSONValue {
    [
      "target": .string(target), "previous": previous.json, "rollback": .bool(rollback), "finished": .bool(finished),
      "prune": .array(prune.map { .string($0.text) }),
    ]
  }

  init?(json: JSONValue) {
    guard let target = json["target"]?.stringValue, let previous = json["previous"],
      let name = previous["name"]?.stringValue
    else { return nil }
    let components = (previous["components"]?.objectValue ?? [:]).compactMap { key, value in
      value.stringValue.map { (component: key, version: $0) }
    }
    self.init(
      target: target, previous: StackSelection(name: name, components: components),
      rollback: json["rollback"]?.boolValue ?? false,
      finished: json["finished"]?.boolValue ?? false,
      prune: (json["prune"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(StoredObject.init(text:)) })
  }
}
