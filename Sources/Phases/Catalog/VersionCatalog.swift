public import ServestackCore

/// The version catalog (`phases/versions/`): per component, every version servestack can install (its
/// manifests, Kubernetes range, upgrade path and what it was tested with), and the named stack sets that
/// pick one version of each. Adding a version is data only: a new entry in the component's file.
public struct VersionCatalog: Sendable {
  /// Every component, by name.
  public let components: [String: CatalogComponent]
  /// The named sets, oldest first: the last is the newest, and the default.
  public let stacks: [StackDefinition]
  /// Where the catalog came from, for messages (`built-in`, a folder).
  public let origin: String

  public init(components: [String: CatalogComponent], stacks: [StackDefinition], origin: String) {
    self.components = components
    self.stacks = stacks
    self.origin = origin
  }

  /// The newest set: what is installed when nothing else chooses.
  public var defaultStack: StackDefinition? { stacks.last }

  public func stack(named name: String) -> StackDefinition? { stacks.first { $0.name == name } }

  /// `component`'s `version`, compared as SemVer (`1.15.2` finds `v1.15.2`).
  public func version(_ component: String, _ version: String) -> CatalogVersion? {
    components[component]?.version(version)
  }

  /// The set named `name`.
  ///
  /// #### Errors
  /// ``PhaseError`` `selection` naming the sets there are.
  public func requireStack(_ name: String) throws(PhaseError) -> StackDefinition {
    guard let stack = stack(named: name) else {
      var message = "--stack \(name): no such stack set in the \(origin) catalog"
      if let suggestion = SchemaNode.suggestion(for: name, among: stacks.map(\.name)) {
        message += " (did you mean '\(suggestion)'?)"
      }
      throw PhaseError(
        .selection,
        message + "; the sets are \(stacks.map(\.name).joined(separator: ", ")) (servestack versions lists them)")
    }
    return stack
  }
}

/// One component of the catalog and its versions, oldest first.
public struct CatalogComponent: Sendable {
  public let name: String
  public let versions: [CatalogVersion]
  /// The file that defines it.
  public let file: String

  public init(name: String, versions: [CatalogVersion], file: String) {
    self.name = name
    self.versions = versions.sorted { ($0.semanticVersion, $0.version) < ($1.semanticVersion, $1.version) }
    self.file = file
  }

  public func version(_ text: String) -> CatalogVersion? {
    versions.first { $0.version == text }
      ?? (try? SemanticVersion(text)).flatMap { wanted in versions.first { $0.semanticVersion == wanted } }
  }
}

/// One version of a component: what to apply and where it fits.
public struct CatalogVersion: Sendable {
  /// As upstream tags it (`v1.15.2`, `1.27.1`).
  public let version: String
  public let semanticVersion: SemanticVersion
  public let kubernetes: KubernetesSupport
  /// Installed versions this one may be applied over (Knative: the minor before it, one at a time).
  public let upgradeFrom: [VersionConstraint]
  /// Versions of other components it was tested with, by component name (upstream CI or pins; cited in
  /// the file). Not necessarily catalog versions.
  public let testedWith: [String: [String]]
  public let manifests: [CatalogManifest]
  /// Where the entry is written.
  public let source: FileLocation

  public init(
    version: String, semanticVersion: SemanticVersion, kubernetes: KubernetesSupport, upgradeFrom: [VersionConstraint],
    testedWith: [String: [String]], manifests: [CatalogManifest], source: FileLocation
  ) {
    self.version = version
    self.semanticVersion = semanticVersion
    self.kubernetes = kubernetes
    self.upgradeFrom = upgradeFrom
    self.testedWith = testedWith
    self.manifests = manifests
    self.source = source
  }

  /// Whether an installed `from` may be upgraded to this version directly (the same version always may).
  public func upgrades(from: SemanticVersion) -> Bool {
    from == semanticVersion || upgradeFrom.contains { $0.contains(from) }
  }

  /// What this version says about `other` at `otherVersion`: true (tested), false (tested with other
  /// versions of it), nil (it says nothing about that component).
  public func tested(with other: String, version otherVersion: SemanticVersion) -> Bool? {
    guard let listed = testedWith[other] else { return nil }
    return listed.contains { (try? SemanticVersion($0)) == otherVersion }
  }
}

/// A manifest of a catalog version and the phase it belongs to (nil: the phase whose component this is).
public struct CatalogManifest: Sendable {
  public let source: ManifestSource
  public let phase: PhaseName?
  /// The entry as a phase file writes it (`url`, `sha256`, `profiles`), for resolved phase documents.
  public let document: JSONValue

  public init(source: ManifestSource, phase: PhaseName?, document: JSONValue) {
    self.source = source
    self.phase = phase
    self.document = document
  }
}

/// A named stack set: one version of each component (`kserve-0.16`).
public struct StackDefinition: Sendable {
  public let name: String
  public let description: String?
  /// Component name → version, as written.
  public let components: [(component: String, version: String)]
  public let source: FileLocation

  public init(
    name: String, description: String?, components: [(component: String, version: String)], source: FileLocation
  ) {
    self.name = name
    self.description = description
    self.components = components
    self.source = source
  }

  public func version(of component: String) -> String? { components.first { $0.component == component }?.version }
}
