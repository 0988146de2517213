/// What preflight checks and how strictly.
public struct PreflightOptions: Sendable {
  /// Answers whether a registry is reachable and accepts us: nil when it is, else the problem. The CLI
  /// plugs in the Registry module's `RegistryClient.ping`.
  /// Checks `--registry`: the problem (nil when it answers), and whether credentials were sent to it.
  public typealias RegistryProbe = @Sendable (String) async -> (problem: String?, credentialsSent: Bool)

  /// Checks whose failures become warnings (kebab names from ``PreflightNames/parseIgnored(_:)``; `all`).
  public var ignored: Set<String>
  /// `--storage-class`: this StorageClass must exist (instead of a default one).
  public var storageClass: String?
  /// `--registry`: an airgap install's private registry, checked with ``registryProbe``.
  public var registry: String?
  public var registryProbe: RegistryProbe?
  /// `--expect-gpus`: no GPU node is a failure instead of a note.
  public var expectGPUs: Bool
  /// Where the install keeps its state and Lease (checked for permissions too).
  public var stateNamespace: String

  public init(
    ignored: Set<String> = [], storageClass: String? = nil, registry: String? = nil,
    registryProbe: RegistryProbe? = nil,
    expectGPUs: Bool = false, stateNamespace: String = InstallOptions.defaultStateNamespace
  ) {
    self.ignored = ignored
    self.storageClass = storageClass
    self.registry = registry
    self.registryProbe = registryProbe
    self.expectGPUs = expectGPUs
    self.stateNamespace = stateNamespace
  }

  func ignores(_ check: String) -> Bool { ignored.contains("all") || ignored.contains(check) }
}

extension PreflightCheck {
  /// The checks run when the phase set has no preflight phase: every known check, with the built-in
  /// phase's severities.
  public static let defaultChecks: [PreflightCheck] = [
    PreflightCheck(name: "cluster-reachable"), PreflightCheck(name: "kubernetes-version"),
    PreflightCheck(name: "permissions"), PreflightCheck(name: "nodes-ready"), PreflightCheck(name: "existing-installs"),
    PreflightCheck(name: "failing-webhooks"), PreflightCheck(name: "default-storage-class", severity: .warn),
    PreflightCheck(name: "load-balancer", severity: .warn, profiles: [.serverless, .serverlessKourier]),
    PreflightCheck(name: "gpu-nodes", severity: .warn), PreflightCheck(name: "registry-reachable"),
  ]
}
