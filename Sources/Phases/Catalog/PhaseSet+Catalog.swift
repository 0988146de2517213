public import Foundation
import ServestackCore

/// Phase files whose component names no version are templates: the catalog fills in, for one stack
/// set, the component's version, Kubernetes range, upgrade path and manifests (and the manifests of other
/// phases the version's entries name with `phase:`). The resolved phases are ordinary phases; their
/// documents carry what was filled in, so a bundle's copy of a phase file stands alone.
extension PhaseSet {
  /// The catalog that goes with `phases` (a folder's `versions/`, or the built-in one); nil when the
  /// folder has none.
  ///
  /// #### Errors
  /// ``PhaseError`` when the catalog does not validate.
  public static func catalog(phases: URL? = nil) throws(PhaseError) -> VersionCatalog? {
    guard let phases else { return try CatalogLoader.builtin() }
    return try CatalogLoader.load(phaseFolder: phases)
  }

  /// The phase files of `phases` (or the built-in ones) as written, templates unresolved: what an airgap
  /// bundle carries beside its catalog so that each upgrade step's phases resolve inside the air gap.
  ///
  /// #### Errors
  /// ``PhaseError`` as ``resolve(phases:extra:stack:)``.
  public static func sourceFiles(phases: URL? = nil) throws(PhaseError) -> [PhaseSpec] {
    if let phases { return try files(in: phases) }
    return try builtinFiles()
  }

  /// `specs` with their templates resolved for `stack` (the catalog's newest set when nil), validated as one set.
  ///
  /// #### Errors
  /// ``PhaseError``: `--stack` without a catalog or naming no set of it, a template whose component the
  /// set does not name, a catalog manifest for a phase the set lacks or that has manifests of its own.
  static func resolved(
    _ specs: [PhaseSpec], catalog: VersionCatalog?, stack: String?, origin: String
  ) throws(PhaseError) -> PhaseSet {
    guard let catalog else {
      if let stack {
        throw PhaseError(
          .selection,
          "--stack \(stack): the phase set \(origin) has no version catalog (a \(CatalogLoader.folderName)/ folder beside its phase files)"
        )
      }
      if let template = specs.first(where: \.isTemplate) {
        throw template.error(
          .missingField, field: "component.version",
          "component \(template.component?.name ?? "") names no version, and this phase folder has no version catalog (\(CatalogLoader.folderName)/); give component.version and manifests here, or add the catalog"
        )
      }
      return try PhaseSet(specs, origin: origin)
    }
    let definition: StackDefinition
    if let stack {
      definition = try catalog.requireStack(stack)
    } else if let newest = catalog.defaultStack {
      definition = newest
    } else {
      return try PhaseSet(specs, origin: origin)
    }
    var set = try PhaseSet(try resolve(specs, catalog: catalog, stack: definition), origin: origin)
    set.stack = StackSelection(name: definition.name, components: definition.components)
    return set
  }

  static func resolve(_ specs: [PhaseSpec], catalog: VersionCatalog, stack: StackDefinition) throws(PhaseError)
    -> [PhaseSpec]
  {
    // Manifests each phase gets from the catalog, by phase name.
    var extra: [PhaseName: [(CatalogManifest, CatalogVersion, String)]] = [:]
    var versions: [String: CatalogVersion] = [:]
    for (component, text) in stack.components {
      guard let version = catalog.version(component, text) else { continue }  // validated at load
      versions[component] = version
      for manifest in version.manifests {
        guard let phase = manifest.phase else { continue }
        extra[phase, default: []].append((manifest, version, component))
      }
    }
    for (phase, entries) in extra where !specs.contains(where: { $0.name == phase }) {
      let (manifest, version, component) = entries[0]
      throw manifest.source.source.error(
        .unknownPhase,
        "\(component) \(version.version) gives manifests to phase '\(phase)', which is not a phase of this set")
    }
    var result: [PhaseSpec] = []
    for spec in specs {
      var phase = spec
      if spec.isTemplate, let component = spec.component {
        guard let version = versions[component.name] else {
          throw spec.error(
            .invalidValue, field: "component.name",
            "stack set \(stack.name) (\(stack.source)) names no version of \(component.name); add one there")
        }
        phase = phase.filled(component: component, version: version)
      }
      if let entries = extra[spec.name] {
        guard spec.manifests.isEmpty || spec.isTemplate else {
          let (manifest, version, component) = entries[0]
          throw manifest.source.source.error(
            .invalidValue,
            "\(component) \(version.version) gives manifests to phase \(spec.name), but \(spec.file) lists its own")
        }
        phase = phase.adding(manifests: entries.map(\.0))
      }
      result.append(phase)
    }
    return result
  }
}

extension PhaseSpec {
  /// A phase whose component names no version: the catalog completes it.
  public var isTemplate: Bool { component?.version.isEmpty == true }

  /// The template with the catalog version's data: component version, Kubernetes range, upgrade path
  /// and the version's own manifests (those with no `phase:`).
  func filled(component: PhaseComponent, version: CatalogVersion) -> PhaseSpec {
    let crds = component.crds.map {
      CRDOwnership(groups: $0.groups, versionLabel: $0.versionLabel, upgradeFrom: version.upgradeFrom)
    }
    let filled = PhaseComponent(
      name: component.name, version: version.version, kubernetes: version.kubernetes, crds: crds)
    var document = self.document
    document.set(.string(version.version), at: ["component", "version"])
    var kube: JSONObject = ["min": .string(version.kubernetes.minimum.description)]
    if version.kubernetes.recommended != version.kubernetes.minimum {
      kube["recommended"] = .string(version.kubernetes.recommended.description)
    }
    document.set(.object(kube), at: ["component", "kubernetes"])
    if crds != nil, !version.upgradeFrom.isEmpty {
      document.set(.array(version.upgradeFrom.map { .string($0.text) }), at: ["component", "crds", "upgradeFrom"])
    }
    let own = version.manifests.filter { $0.phase == nil }
    document.set(.array(own.map(\.document)), at: ["manifests"])
    return replacing(component: filled, manifests: own.map(\.source), document: document)
  }

  /// This phase with `entries` appended to its `manifests:` (and its document).
  func adding(manifests entries: [CatalogManifest]) -> PhaseSpec {
    var document = self.document
    document.set(.array((document["manifests"]?.arrayValue ?? []) + entries.map(\.document)), at: ["manifests"])
    return replacing(component: component, manifests: manifests + entries.map(\.source), document: document)
  }

  private func replacing(component: PhaseComponent?, manifests: [ManifestSource], document: JSONValue) -> PhaseSpec {
    var copy = PhaseSpec(
      name: name, kind: kind, description: description, after: after, profiles: profiles, component: component,
      manifests: manifests, objects: objects, patches: patches, wait: wait, timeout: timeout,
      webhookProbes: webhookProbes,
      checks: checks, steps: steps, file: file, directory: directory, fileName: fileName, document: document)
    copy.locatedDocument = locatedDocument
    return copy
  }
}
