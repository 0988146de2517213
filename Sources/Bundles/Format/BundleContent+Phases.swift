public import Foundation
import Images
public import Phases
import ServestackCore
import YAML

extension BundleContent {
  /// The content of a bundle for `profile`: every phase of the profile (preflight, install and test), its
  /// manifests fetched through `fetcher` (pinned by SHA-256; `--mirror` and the manifest cache apply), the
  /// phase files rewritten to name those manifests by `path:` inside the bundle, and the rendered objects
  /// (patches applied, parameters at their defaults) whose images the bundle carries.
  ///
  /// #### Errors
  /// ``BundleError`` `.phases` with the ``PhaseError`` (a download that failed or does not match its pin, a
  /// patch whose target is missing).
  public static func render(phaseSet: PhaseSet, profile: Profile, fetcher: ManifestFetcher) async throws(BundleError)
    -> BundleContent
  {
    let phases = phaseSet.selection(profile: profile)
    guard !phases.isEmpty else {
      throw BundleError(.phases, "the \(phaseSet.origin) phase set has no phase for profile \(profile)")
    }
    let rendered: [RenderedPhase]
    var fetched: [[FetchedManifest]] = []
    do {
      let parameters = try PhaseParameters(profile: profile)
      rendered = try await PhaseRenderer(fetcher: fetcher, parameters: parameters).render(phases)
      for phase in phases {
        fetched.append(try await fetcher.fetchAll(phase.manifests(for: profile), relativeTo: phase.directory))
      }
    } catch {
      throw BundleError(.phases, "cannot render the phases for profile \(profile): \(error.userMessage)", cause: error)
    }
    var stack: [(component: String, version: String)] = []
    var phaseFiles: [PhaseFile] = []
    var manifestFiles: [ManifestFile] = []
    var objects: [(component: ComponentVersion, objects: [JSONValue])] = []
    for (index, phase) in phases.enumerated() {
      let component = phase.component?.name ?? phase.name.rawValue
      let version = phase.component?.version ?? "current"
      if phase.component != nil, phase.kind == .install, !stack.contains(where: { $0.component == component }) {
        stack.append((component, version))
      }
      var entries: [JSONValue] = []
      for manifest in fetched[index] {
        let file = ManifestFile(
          component: component, version: version, fileName: manifest.source.fileName, bytes: manifest.bytes)
        if let existing = manifestFiles.first(where: { $0.path == file.path }) {
          guard existing.bytes == file.bytes else {
            throw BundleError(
              .phases,
              "two different manifests of \(component) \(version) are both named \(file.fileName); rename one in its phase file"
            )
          }
        } else {
          manifestFiles.append(file)
        }
        entries.append([
          "path": .string(
            BundleLayout.manifestReferenceFromPhase(component: component, version: version, file: file.fileName)),
          "sha256": .string(manifest.digest.hex),
        ])
      }
      phaseFiles.append(PhaseFile(fileName: phase.fileName, text: try phaseText(phase, manifests: entries)))
      if !rendered[index].objects.isEmpty {
        objects.append((ComponentVersion(component: component, version: version), rendered[index].objects))
      }
    }
    return BundleContent(
      profile: profile.rawValue, stack: stack, phaseFiles: phaseFiles, manifestFiles: manifestFiles,
      objectsByComponent: objects, stackSet: phaseSet.stack?.name)
  }

  /// The phase file with its `manifests:` replaced by `entries` (only those of the bundle's profile).
  static func phaseText(_ phase: PhaseSpec, manifests entries: [JSONValue]) throws(BundleError) -> String {
    var document = phase.document
    if document["manifests"] != nil || !entries.isEmpty {
      document.set(.array(entries), at: ["manifests"])
    }
    do {
      return "# \(phase.fileName) as packed into an airgap bundle: manifests are files inside the bundle.\n"
        + (try YAMLEmitter.emit(document))
    } catch {
      throw BundleError(.phases, "cannot write phase \(phase.name): \(error.message)", cause: error)
    }
  }
}

extension BundleCreator {
  /// Creates a bundle for `spec` from a phase set: ``BundleContent/render(phaseSet:profile:fetcher:)``
  /// then ``create(content:spec:options:)``. `profile` overrides the spec's.
  ///
  /// #### Errors
  /// As the two steps.
  public static func create(
    spec: BundleSpec, phaseSet: PhaseSet, profile: Profile? = nil, fetcher: ManifestFetcher,
    options: BundleCreateOptions
  ) async throws(BundleError) -> BundleCreateResult {
    var spec = spec
    let chosen = try chooseProfile(spec, profile)
    spec.profile = chosen.rawValue
    options.progress?(BundleProgress(stage: .manifests))
    let content = try await BundleContent.render(phaseSet: phaseSet, profile: chosen, fetcher: fetcher)
    return try await create(content: content, spec: spec, options: options)
  }

  /// Creates a bundle of the catalog set `stack` (nil: the newest) of `phases` (nil: the built-in ones),
  /// with stacks/; with `upgradeFrom`, a two-set bundle that also carries that set and every upgrade step
  /// from it (``BundleContent/render(phases:stack:upgradeFrom:profile:fetcher:)``).
  ///
  /// #### Errors
  /// As ``create(spec:phaseSet:profile:fetcher:options:)``; `.phases` when the sets do not resolve.
  public static func create(
    spec: BundleSpec, phases: URL?, stack: String?, upgradeFrom: String?, profile: Profile? = nil,
    fetcher: ManifestFetcher, options: BundleCreateOptions
  ) async throws(BundleError) -> BundleCreateResult {
    var spec = spec
    let chosen = try chooseProfile(spec, profile)
    spec.profile = chosen.rawValue
    options.progress?(BundleProgress(stage: .manifests))
    let content = try await BundleContent.render(
      phases: phases, stack: stack, upgradeFrom: upgradeFrom, profile: chosen, fetcher: fetcher)
    return try await create(content: content, spec: spec, options: options)
  }

  static func chooseProfile(_ spec: BundleSpec, _ profile: Profile?) throws(BundleError) -> Profile {
    if let profile { return profile }
    do throws(ValueError) {
      return try Profile(parsing: spec.profile)
    } catch {
      throw BundleError(.invalidSpec, "bundle spec \(spec.origin): \(error)")
    }
  }
}
