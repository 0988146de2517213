public import ServestackCore

/// One step of a test phase. Only the action is checked here; the conformance engine reads the rest.
public struct TestStep: Hashable, Sendable {
  public enum Action: String, Hashable, Sendable, CaseIterable {
    case apply, wait, request, expect, observe, require, cleanup
  }

  public let action: Action
  /// The value under the action's key, unchanged.
  public let body: JSONValue
  public let source: FileLocation

  public init(action: Action, body: JSONValue, source: FileLocation) {
    self.action = action
    self.body = body
    self.source = source
  }

  /// The step as written (`{apply: …}`).
  public var json: JSONValue { .object([action.rawValue: body]) }
}
