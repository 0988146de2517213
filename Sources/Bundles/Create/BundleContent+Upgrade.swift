public import Foundation
import Images
public import Phases
import ServestackCore
import YAML

extension BundleContent {
  /// The content of a bundle of the catalog set `stack` (nil: the newest): its phases as phases/ carries
  /// them (what `install --bundle` installs), and under stacks/ the phase templates with the catalog cut
  /// to the versions carried (manifests by `path:`), so that the install state records the set installed
  /// and an upgrade resolves each step's phases inside the air gap as it does online. With `upgradeFrom`,
  /// a two-set bundle: that set's and every upgrade step's versions and images are carried too
  /// (`install --bundle --stack` of either set, `upgrade apply --bundle`). A phase folder without a
  /// catalog gives a bundle of phases/ only.
  ///
  /// #### Errors
  /// ``BundleError`` `.phases`: an unknown set, `upgradeFrom` without a catalog or the same set as `stack`,
  /// no upgrade path between them (the planner's reason), a manifest that cannot be fetched.
  public static func render(
    phases: URL?, stack: String?, upgradeFrom: String?, profile: Profile, fetcher: ManifestFetcher
  ) async throws(BundleError) -> BundleContent {
    let target: PhaseSet
    let catalog: VersionCatalog?
    var from: StackDefinition?
    var steps: [UpgradeStep] = []
    var sets: [PhaseSet] = []
    var templates: [PhaseSpec] = []
    do {
      target = try PhaseSet.resolve(phases: phases, stack: stack)
      catalog = try PhaseSet.catalog(phases: phases)
      if let upgradeFrom {
        guard let catalog, let targetSet = target.stack else {
          throw BundleError(
            .phases,
            "--upgrade-from \(upgradeFrom): the phase set \(target.origin) has no version catalog (versions/), so it has no stack sets to upgrade between"
          )
        }
        let source = try catalog.requireStack(upgradeFrom)
        guard source.name != targetSet.name else {
          throw BundleError(
            .phases,
            "--upgrade-from \(upgradeFrom) is the set the bundle installs; name the set installed on the cluster (servestack versions lists them)"
          )
        }
        steps = try UpgradePlanner(catalog: catalog).plan(
          installed: StackSelection(name: source.name, components: source.components), target: .stack(targetSet.name)
        ).steps
        sets.append(try PhaseSet.resolve(phases: phases, stack: source.name))
        for step in steps.dropLast() { sets.append(try PhaseSet.resolve(phases: phases, step: step)) }
        from = source
      }
      if catalog != nil { templates = try PhaseSet.sourceFiles(phases: phases).filter { $0.applies(to: profile) } }
    } catch let error as BundleError {
      throw error
    } catch {
      throw BundleError(.phases, "cannot pack the stack sets: \(error.userMessage)", cause: error)
    }
    var content = try await render(phaseSet: target, profile: profile, fetcher: fetcher)
    guard let catalog, let targetSet = target.stack, let definition = catalog.stack(named: targetSet.name) else {
      return content
    }
    for (index, set) in sets.enumerated() {
      let other = try await render(phaseSet: set, profile: profile, fetcher: fetcher)
      if index == 0, let from {
        content.upgradeFrom = BundleDescriptor.StackSet(name: from.name, components: other.stack)
      }
      content.addObjects(of: other)
    }
    // The versions an upgrade passes through: the source's and every step's (the last step's are the target's).
    var carried: [String: Set<String>] = [:]
    for (component, version) in (from?.components ?? []) + definition.components + steps.flatMap(\.versions) {
      carried[component, default: []].insert(version)
    }
    templates.sort { $0.fileName < $1.fileName }
    let phaseNames = Set(templates.map(\.name))
    var files: [PhaseFile] = []
    for spec in templates {
      files.append(try content.templateFile(spec, catalog: catalog, carried: carried))
    }
    for name in catalog.components.keys.sorted() {
      guard let component = catalog.components[name], let kept = carried[name] else { continue }
      var versions: [JSONValue] = []
      for version in component.versions where kept.contains(version.version) {
        versions.append(
          try await content.catalogEntry(
            version, component: name, templates: templates, phaseNames: phaseNames, carried: carried,
            fetcher: fetcher))
      }
      files.append(try catalogFile("\(name).yaml", ["component": .string(name), "versions": .array(versions)]))
    }
    let stacks: [JSONValue] = ([from].compactMap { $0 } + [definition]).map { definition in
      var object: JSONObject = ["name": .string(definition.name)]
      if let description = definition.description { object["description"] = .string(description) }
      object["components"] = .object(
        JSONObject(uniqueKeysWithValues: definition.components.map { ($0.component, .string($0.version)) }))
      return .object(object)
    }
    files.append(try catalogFile("stacks.yaml", ["stacks": .array(stacks)]))
    content.stackFiles = files
    try content.validateStacks()
    return content
  }

  /// Adds the objects of another set (their images go into the bundle), each component version once.
  mutating func addObjects(of other: BundleContent) {
    for entry in other.objectsByComponent {
      guard let index = objectsByComponent.firstIndex(where: { $0.component == entry.component }) else {
        objectsByComponent.append(entry)
        continue
      }
      // A phase without a component version (`current`) may hold other objects in another set.
      let present = objectsByComponent[index].objects
      objectsByComponent[index].objects += entry.objects.filter { !present.contains($0) }
    }
  }

  /// A phase file for stacks/: a template, or a phase the catalog gives manifests to, as written; any
  /// other phase as phases/ holds it (its own manifests already by `path:`).
  func templateFile(_ spec: PhaseSpec, catalog: VersionCatalog, carried: [String: Set<String>]) throws(BundleError)
    -> PhaseFile
  {
    let fed = carried.contains { component, versions in
      versions.contains { catalog.version(component, $0)?.manifests.contains { $0.phase == spec.name } == true }
    }
    if spec.isTemplate || fed {
      do {
        return PhaseFile(
          fileName: spec.fileName,
          text: "# \(spec.fileName) as packed into an airgap bundle: a template the catalog in versions/ completes.\n"
            + (try YAMLEmitter.emit(spec.document)))
      } catch {
        throw BundleError(.phases, "cannot write phase \(spec.name): \(error.message)", cause: error)
      }
    }
    guard let packed = phaseFiles.first(where: { $0.fileName == spec.fileName }) else {
      throw BundleError(.phases, "phase \(spec.name) (\(spec.fileName)) is not among the phases packed for the bundle")
    }
    return packed
  }

  /// One catalog version as stacks/versions/ writes it: the manifests of phases the bundle carries (and
  /// local files) fetched into manifests/<component>/<version>/ and named by `path:` (sha256 kept); the
  /// other URLs stay (no phase of the bundle's profile applies them).
  mutating func catalogEntry(
    _ version: CatalogVersion, component: String, templates: [PhaseSpec], phaseNames: Set<PhaseName>,
    carried: [String: Set<String>], fetcher: ManifestFetcher
  ) async throws(BundleError) -> JSONValue {
    let own = templates.first { $0.component?.name == component }?.name
    var manifests: [JSONValue] = []
    for manifest in version.manifests {
      var entry = manifest.document.objectValue ?? [:]
      if let phase = manifest.phase { entry["phase"] = .string(phase.rawValue) }
      // A local file (a site's catalog) is carried even when unused: a path of the packing host would make
      // the bundle fail verification.
      let used = (manifest.phase ?? own).map { phaseNames.contains($0) } ?? false
      guard used || entry["path"] != nil else {
        manifests.append(.object(entry))
        continue
      }
      let fetched: FetchedManifest
      do {
        fetched = try await fetcher.fetch(manifest.source, relativeTo: nil)
      } catch {
        throw BundleError(
          .phases, "cannot fetch \(component) \(version.version)'s manifest: \(error.userMessage)", cause: error)
      }
      let file = ManifestFile(
        component: component, version: version.version, fileName: fetched.source.fileName, bytes: fetched.bytes)
      if let existing = manifestFiles.first(where: { $0.path == file.path }) {
        guard existing.bytes == file.bytes else {
          throw BundleError(
            .phases, "two different manifests of \(component) \(version.version) are both named \(file.fileName)")
        }
      } else {
        manifestFiles.append(file)
      }
      entry["url"] = nil
      entry["path"] = .string(
        BundleLayout.manifestReferenceFromCatalog(component: component, version: version.version, file: file.fileName))
      entry["sha256"] = .string(fetched.digest.hex)
      manifests.append(.object(entry))
    }
    var object: JSONObject = ["version": .string(version.version)]
    var kubernetes: JSONObject = ["min": .string(version.kubernetes.minimum.description)]
    if version.kubernetes.recommended != version.kubernetes.minimum {
      kubernetes["recommended"] = .string(version.kubernetes.recommended.description)
    }
    object["kubernetes"] = .object(kubernetes)
    if !version.upgradeFrom.isEmpty { object["upgradeFrom"] = .array(version.upgradeFrom.map { .string($0.text) }) }
    let tested = version.testedWith.filter { carried[$0.key] != nil }.sorted { $0.key < $1.key }
    if !tested.isEmpty {
      object["testedWith"] = .object(
        JSONObject(uniqueKeysWithValues: tested.map { ($0.key, .array($0.value.map { .string($0) })) }))
    }
    object["manifests"] = .array(manifests)
    return .object(object)
  }

  static func catalogFile(_ name: String, _ document: JSONValue) throws(BundleError) -> PhaseFile {
    do {
      return PhaseFile(
        fileName: "\(CatalogLoader.folderName)/\(name)",
        text: "# The version catalog cut to what this airgap bundle carries; manifests are files inside it.\n"
          + (try YAMLEmitter.emit(document)))
    } catch {
      throw BundleError(.phases, "cannot write the bundle's catalog \(name): \(error.message)", cause: error)
    }
  }

  /// Loads the catalog written to stacks/versions/, so a bundle whose catalog would not load is never written.
  func validateStacks() throws(BundleError) {
    let prefix = CatalogLoader.folderName + "/"
    let files = stackFiles.filter { $0.fileName.hasPrefix(prefix) }.map {
      (name: String($0.fileName.dropFirst(prefix.count)), text: $0.text, file: BundleLayout.stackPath($0.fileName))
    }
    do {
      _ = try CatalogLoader.parse(files, directory: nil, origin: BundleLayout.catalogDirectory)
    } catch {
      throw BundleError(.phases, "the bundle's catalog does not load: \(error.userMessage)", cause: error)
    }
  }
}
