public import Foundation
public import Images
import Phases
import Registry
import ServestackCore

/// Options of ``AirgapInstaller/prepare(bundle:registry:options:)``.
public struct AirgapOptions: Sendable {
  /// How to reach the private registry, the signature key, limits, work folder, parallelism and progress
  /// (its `registry` is replaced by the one given to `prepare`).
  public var push = BundlePushOptions(registry: "")
  /// Parameter overrides for rendering (`--set domain=…`).
  public var parameters: [String: String] = [:]
  /// What the rewriter leaves alone (tests; sites that keep a reference on purpose — the check still fails).
  public var rewrite = ImageRewriter.Options()
  /// The set of a two-set bundle to install (`install --bundle --stack`); nil: the one it was made to install.
  public var stack: String?

  public init() {}
}

/// An image reference that is wrong after rewriting.
public struct LeftoverReference: Sendable, Hashable, CustomStringConvertible {
  public enum Reason: String, Sendable {
    /// It still names another registry.
    case otherRegistry = "names another registry"
    /// It names the private registry, but the bundle carries no such image.
    case notInBundle = "is not in the bundle"
  }

  public var occurrence: ImageOccurrence
  public var reason: Reason
  /// The install phase it was found in.
  public var phase: String

  public var description: String {
    "phase \(phase): \(occurrence.object) \(occurrence.field): \(occurrence.text) \(reason.rawValue)"
  }
}

/// The result of the leftover check over every rendered, rewritten phase.
public struct LeftoverCheck: Sendable {
  public var leftovers: [LeftoverReference]
  /// Strings where an image was expected that are not references (reported, not fatal).
  public var problems: [ExtractionProblem]
  public var isClean: Bool { leftovers.isEmpty }
  public var summary: String { leftovers.map(\.description).joined(separator: "\n") }
}

/// `install --bundle B --registry R`: everything before the phases run.
public enum AirgapInstaller {
  /// Verifies and extracts `bundle`, pushes its images to `registry` (`HOST[:PORT][/PREFIX]`), loads its
  /// phases, renders them for the bundle's profile, rewrites every image reference to the registry and
  /// checks that none is left to another registry and that every one names an image the bundle carries.
  ///
  /// #### Errors
  /// ``BundleError``: `.verificationFailed` (nothing pushed), `.registry` (the push failed), `.phases`,
  /// `.leftoverReferences` listing each reference with its phase, object and field (nothing is installed).
  /// The extracted copy is removed on every error.
  public static func prepare(bundle: URL, registry: String, options: AirgapOptions = AirgapOptions())
    async throws(BundleError)
    -> PreparedBundle
  {
    var pushOptions = options.push
    pushOptions.registry = registry
    let extracted = try await BundlePusher.extractVerified(bundle, options: pushOptions)
    do {
      return try await prepare(extracted, options: options, pushOptions: pushOptions)
    } catch {
      extracted.remove()
      throw error
    }
  }

  static func prepare(_ extracted: ExtractedBundle, options: AirgapOptions, pushOptions: BundlePushOptions)
    async throws(BundleError) -> PreparedBundle
  {
    let descriptor = extracted.descriptor
    let profile: Profile
    let phaseSet: PhaseSet
    let parameters: PhaseParameters
    let stacks = try stacksFolder(extracted, stack: options.stack)
    do {
      profile = try Profile(parsing: descriptor.profile)
      // A two-set bundle's sets resolve from stacks/, so the install state records the set installed.
      phaseSet =
        try stacks.map { try PhaseSet.load(directory: $0.folder, stack: $0.name) }
        ?? PhaseSet.load(directory: extracted.phasesDirectory)
      parameters = try PhaseParameters(profile: profile, overrides: options.parameters)
    } catch {
      throw BundleError(.phases, "cannot load the bundle's phases: \(error.userMessage)", cause: error)
    }
    let pushResult = try await BundlePusher.push(extracted, options: pushOptions)
    options.push.progress?(BundleProgress(stage: .rewriting))
    let targets = try ImageTargets(registry: pushOptions.registry)
    var modelURIs: [String: String] = [:]
    var rewriteOptions = options.rewrite
    for model in descriptor.models {
      let uri = "oci://" + (try targets.target(for: model.image)).description
      modelURIs[model.name] = uri
      if let upstream = model.storageUri { rewriteOptions.storageURIs[upstream] = uri }
    }
    let rewriter: ImageRewriter
    do {
      rewriter = try ImageRewriter(target: pushOptions.registry, options: rewriteOptions)
    } catch {
      throw BundleError(.usage, "--registry \(pushOptions.registry): \(error.problem)")
    }
    let prepared = PreparedBundle(
      bundle: extracted, registry: pushOptions.registry, catalogDirectory: stacks?.folder, phaseSet: phaseSet,
      profile: profile, parameters: parameters, pushResult: pushResult,
      rewriter: rewriter, rewrittenObjectsByPhase: [:],
      leftoverCheck: LeftoverCheck(leftovers: [], problems: []), modelURIs: modelURIs)
    let rendered: [RenderedPhase]
    do {
      rendered = try await PhaseRenderer(fetcher: try prepared.fetcher(), parameters: parameters)
        .render(phaseSet.selection(profile: profile))
    } catch {
      throw BundleError.wrap(error, .phases, "cannot render the bundle's phases")
    }
    var byPhase: [PhaseName: [JSONValue]] = [:]
    var leftovers: [LeftoverReference] = []
    var problems: [ExtractionProblem] = []
    for phase in rendered {
      let result = rewriter.rewrite(phase.objects)
      byPhase[phase.name] = result.objects
      leftovers += Self.leftovers(result, phase: phase.name.rawValue, pushed: pushResult)
      problems += result.problems
    }
    guard leftovers.isEmpty else { throw leftoverError(leftovers) }
    return PreparedBundle(
      bundle: extracted, registry: pushOptions.registry, catalogDirectory: stacks?.folder, phaseSet: phaseSet,
      profile: profile, parameters: parameters, pushResult: pushResult,
      rewriter: rewriter, rewrittenObjectsByPhase: byPhase,
      leftoverCheck: LeftoverCheck(leftovers: leftovers, problems: problems), modelURIs: modelURIs)
  }

  /// stacks/ and the set to load from it; nil for a bundle without stacks/ (phases/ is installed).
  ///
  /// #### Errors
  /// ``BundleError`` `.usage` when `stack` names a set the bundle does not carry.
  static func stacksFolder(_ extracted: ExtractedBundle, stack: String?) throws(BundleError) -> (
    folder: URL, name: String
  )? {
    let descriptor = extracted.descriptor
    let folder = extracted.root.appendingPathComponent(BundleLayout.stacksDirectory)
    let catalog = extracted.root.appendingPathComponent(BundleLayout.catalogDirectory)
    guard descriptor.stackSet != nil, FileManager.default.fileExists(atPath: catalog.path) else {
      if let stack, stack != descriptor.stackSet {
        throw BundleError(
          .usage,
          "--stack \(stack): the bundle carries only \(descriptor.stackSet.map { "the set \($0)" } ?? "one unnamed set"); drop --stack, or make a bundle with servestack bundle create --stack \(stack)"
        )
      }
      return nil
    }
    let sets = descriptor.upgradeFrom == nil ? [descriptor.stackSet ?? ""] : descriptor.stackSets
    let name = stack ?? descriptor.stackSet ?? ""
    guard sets.contains(name) else {
      throw BundleError(
        .usage,
        "--stack \(name): the bundle carries the set\(sets.count == 1 ? "" : "s") \(sets.joined(separator: " and ")); name one of them, or make a bundle with servestack bundle create --stack \(name)"
      )
    }
    return (folder, name)
  }

  /// References of `result` left to another registry, or in the private registry but not pushed.
  static func leftovers(_ result: ImageRewriteResult, phase: String, pushed: BundlePushResult) -> [LeftoverReference] {
    var found = result.leftovers.map { LeftoverReference(occurrence: $0, reason: .otherRegistry, phase: phase) }
    let targets = pushed.images.map(\.target)
    for occurrence in ImageExtractor().extract(from: result.objects).occurrences
    where !result.leftovers.contains(occurrence) {
      let reference = occurrence.reference
      let carried = targets.contains { target in
        target.repository == reference.repository && target.registry == reference.registry
          && (reference.digest.map { $0 == target.digest || pushed.digest(of: target) == $0 }
            ?? (reference.tag == target.tag))
      }
      if !carried { found.append(LeftoverReference(occurrence: occurrence, reason: .notInBundle, phase: phase)) }
    }
    return found
  }

  static func leftoverError(_ leftovers: [LeftoverReference]) -> BundleError {
    BundleError(
      .leftoverReferences,
      "\(leftovers.count) image reference(s) would not come from the private registry; nothing was installed:\n"
        + leftovers.map(\.description).joined(separator: "\n"))
  }
}

extension BundlePushResult {
  /// The manifest digest pushed for `target`.
  func digest(of target: ImageReference) -> Digest? {
    images.first { $0.target == target }?.digest
  }
}
