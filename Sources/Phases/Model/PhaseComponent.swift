import ServestackCore

/// The component a phase installs, and the version matrix around it: which Kubernetes versions it needs,
/// which CRDs it owns and which installed versions it may upgrade.
public struct PhaseComponent: Hashable, Sendable {
  /// `knative-serving`.
  public let name: String
  /// As upstream tags it: `v1.15.2`, `1.27.1`.
  public let version: String
  /// The version parsed, when it is SemVer.
  public let semanticVersion: SemanticVersion?
  public let kubernetes: KubernetesSupport?
  public let crds: CRDOwnership?

  public init(
    name: String, version: String, kubernetes: KubernetesSupport? = nil, crds: CRDOwnership? = nil
  ) {
    self.name = name
    self.version = version
    self.semanticVersion = try? SemanticVersion(version)
    self.kubernetes = kubernetes
    self.crds = crds
  }
}

/// The Kubernetes versions a component supports: below `minimum` preflight fails, below `recommended` it warns.
public struct KubernetesSupport: Hashable, Sendable {
  public let minimum: KubernetesVersion
  /// Defaults to `minimum` when the file gives none.
  public let recommended: KubernetesVersion

  public init(minimum: KubernetesVersion, recommended: KubernetesVersion? = nil) {
    self.minimum = minimum
    self.recommended = recommended ?? minimum
  }
}

/// The CRDs a component owns, how to read the installed version off them, and which versions it upgrades.
public struct CRDOwnership: Hashable, Sendable {
  /// API groups whose CRDs belong to the component (`serving.knative.dev`).
  public let groups: [String]
  /// The CRD label that holds the installed version (`app.kubernetes.io/version`); nil when upstream
  /// labels none (KServe).
  public let versionLabel: String?
  /// Installed versions this version may be applied over; empty means only the same version.
  public let upgradeFrom: [VersionConstraint]

  public init(groups: [String], versionLabel: String? = nil, upgradeFrom: [VersionConstraint] = []) {
    self.groups = groups
    self.versionLabel = versionLabel
    self.upgradeFrom = upgradeFrom
  }

  /// Whether an installed `version` may be upgraded to this one (same version always may).
  public func allowsUpgrade(from version: SemanticVersion, to target: SemanticVersion?) -> Bool {
    if let target, version == target { return true }
    return upgradeFrom.contains { $0.contains(version) }
  }
}
