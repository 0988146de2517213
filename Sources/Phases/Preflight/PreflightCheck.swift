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
