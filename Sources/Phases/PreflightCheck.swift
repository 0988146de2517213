public import ServestackCore

/// One check a preflight phase runs, with its parameters (the checks themselves live in the engine).
public struct PreflightCheck: Hashable, Sendable {
  public enum Severity: String, Hashable, Sendable {
    /// A failed check stops the install.
    case fail
    /// A failed check is reported and the install goes on.
    case warn
  }

  /// The checks the engine knows. `kubernetes-version` reads its floors from each selected phase's
  /// `component.kubernetes`.
  public static let knownChecks = [
    "cluster-reachable", "kubernetes-version", "permissions", "nodes-ready", "existing-installs",
    "failing-webhooks", "default-storage-class", "load-balancer", "gpu-nodes", "registry-reachable",
  ]

  public let name: String
  public let severity: Severity
  public let parameters: JSONObject
  public let profiles: Set<Profile>?

  public init(name: String, severity: Severity = .fail, parameters: JSONObject = [:], profiles: Set<Profile>? = nil) {
    self.name = name
    self.severity = severity
    self.parameters = parameters
    self.profiles = profiles
  }

  public func applies(to profile: Profile) -> Bool { profiles?.contains(profile) ?? true }
}

/// One step of a test phase. Only the action is checked here; the conformance engine reads the rest.
public struct TestStep: Hashable, Sendable {
  public enum Action: String, Hashable, Sendable, CaseIterable {
    case apply, wait, request, expect, observe, cleanup
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
