public import ServestackCore

/// The stack set a phase set was resolved for: its name and the version of each component, as the
/// install state records them (for `upgrade plan`).
public struct StackSelection: Sendable, Equatable {
  public let name: String
  /// Component name → version, in the set's order.
  public let components: [(component: String, version: String)]

  public init(name: String, components: [(component: String, version: String)]) {
    self.name = name
    self.components = components
  }

  public static func == (a: StackSelection, b: StackSelection) -> Bool {
    a.name == b.name
      && a.components.elementsEqual(b.components) { $0.component == $1.component && $0.version == $1.version }
  }

  public var json: JSONValue {
    [
      "name": .string(name),
      "components": .object(JSONObject(uniqueKeysWithValues: components.map { ($0.component, .string($0.version)) })),
    ]
  }
}
