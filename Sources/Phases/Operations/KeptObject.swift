public import ServestackCore

/// An object uninstall left in place, and why (another manager owns it, CRDs without `--delete-crds`).
public struct KeptObject: Sendable, Equatable, CustomStringConvertible {
  /// `deployment kserve/x`.
  public var object: String
  public var reason: String

  public init(object: String, reason: String) {
    self.object = object
    self.reason = reason
  }

  public var description: String { "\(object): \(reason)" }

  public var json: JSONValue { ["object": .string(object), "reason": .string(reason)] }
}
