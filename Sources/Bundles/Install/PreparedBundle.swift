public import Foundation
public import Images
public import Phases
public import ServestackCore

/// A bundle ready to install: verified, extracted, its images in the private registry, its phases loaded
/// (manifests are `path:` files inside the extracted bundle) and their objects rewritten and checked.
///
/// The installer runs ``phaseSet`` for ``profile`` with a ``fetcher`` and ``parameters``, and applies
/// ``rewrite(_:)`` to each ``RenderedPhase`` before sending its objects; ``rewrittenObjectsByPhase`` holds
/// the same result computed up front. Call ``cleanup()`` when done: it deletes the extracted copy.
public struct PreparedBundle: Sendable {
  public let bundle: ExtractedBundle
  public var descriptor: BundleDescriptor { bundle.descriptor }
  /// The private registry (`HOST[:PORT][/PREFIX]`) the images went to.
  public let registry: String
  /// The bundle's stacks/ (nil for a bundle without): the phase templates and the catalog the installed set
  /// and every upgrade step resolve from.
  public let catalogDirectory: URL?
  public let phaseSet: PhaseSet
  public let profile: Profile
  public let parameters: PhaseParameters
  public let pushResult: BundlePushResult
  public let rewriter: ImageRewriter
  /// Install (and other) phases' objects after rewriting, by phase name.
  public let rewrittenObjectsByPhase: [PhaseName: [JSONValue]]
  public let leftoverCheck: LeftoverCheck
  /// The test models in the private registry: name → `oci://HOST/PREFIX/models/NAME:VERSION`.
  public let modelURIs: [String: String]

  /// A manifest fetcher that reads only the bundle (no network; `path:` manifests).
  public func fetcher() throws(BundleError) -> ManifestFetcher {
    do {
      return try ManifestFetcher(
        options: ManifestFetcher.Options(
          cacheDirectory: bundle.root.appendingPathComponent(".manifest-cache"), offline: true))
    } catch {
      throw BundleError(.phases, "cannot read the bundle's manifests: \(error.userMessage)", cause: error)
    }
  }

  /// The objects of `phase` with every image in the private registry.
  ///
  /// #### Errors
  /// ``BundleError`` `.leftoverReferences` listing every reference left to another registry or missing
  /// from the bundle (the phase must not be applied then).
  public func rewrite(_ phase: RenderedPhase) throws(BundleError) -> [JSONValue] {
    let result = rewriter.rewrite(phase.objects)
    let leftovers = AirgapInstaller.leftovers(result, phase: phase.name.rawValue, pushed: pushResult)
    guard leftovers.isEmpty else { throw AirgapInstaller.leftoverError(leftovers) }
    return result.objects
  }

  /// Deletes the extracted bundle.
  public func cleanup() { bundle.remove() }
}

extension PreparedBundle {
  /// ``rewrite(_:)`` as the install engine takes it.
  public var objectRewriter: InstallOptions.ObjectRewriter {
    { phase in try self.rewrite(phase) }
  }

  /// `N images in HOST/PREFIX, profile raw, stack set kserve-0.16` (what install and upgrade print).
  public var summary: String {
    var text = "\(pushResult.images.count) images in \(registry), profile \(profile.rawValue)"
    if let set = phaseSet.stack?.name ?? descriptor.stackSet { text += ", stack set \(set)" }
    return text
  }

  /// The set `upgrade apply --bundle` moves to: `to` when it names one of a two-set bundle's sets (the
  /// upgrade source is a rollback), else the set the bundle was made to install.
  ///
  /// #### Errors
  /// ``BundleError`` `.usage` for a one-set bundle, or a `to` the bundle does not carry.
  public func upgradeTarget(to: String?) throws(BundleError) -> String {
    guard catalogDirectory != nil, descriptor.upgradeFrom != nil, let target = descriptor.stackSet else {
      throw BundleError(
        .usage,
        "the bundle carries one stack set (\(descriptor.stackSet ?? "unnamed")) and nothing to upgrade from; make one with servestack bundle create --stack NEW --upgrade-from INSTALLED"
      )
    }
    let name = to ?? target
    guard descriptor.stackSets.contains(name) else {
      throw BundleError(
        .usage, "--to \(name): the bundle carries the sets \(descriptor.stackSets.joined(separator: " and ")) only")
    }
    return name
  }

  /// `options` reading everything from the bundle: the phases and catalog of stacks/, its manifests (never
  /// the network), its profile's parameters, every image in the private registry, and the installed set
  /// required to be one of the bundle's.
  public func upgradeOptions(_ options: UpgradeOptions) throws(BundleError) -> UpgradeOptions {
    var options = options
    options.phases = catalogDirectory
    options.extraPhases = []
    options.fetcher = try fetcher()
    options.parameters = parameters
    options.rewrite = objectRewriter
    options.requiredInstalled = (descriptor.stackSets, "the bundle '\(descriptor.name)'")
    return options
  }
}
