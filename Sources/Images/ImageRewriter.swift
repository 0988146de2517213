import Foundation
public import Registry
public import ServestackCore

/// Rewrites every image reference of a set of Kubernetes objects to a private registry
/// (`docker.io/istio/pilot:1.27.1` → `HOST[:PORT]/PREFIX/istio/pilot:1.27.1`), keeping tags and digests as
/// written, then checks with ``ImageExtractor`` that no reference to another registry is left.
///
/// It rewrites the places ``ImageExtractor`` finds images in, so that what one finds the other rewrites:
/// - `image` and `…Image` string members at any depth (containers, initContainers, ephemeralContainers of
///   every workload kind, ServingRuntime and ClusterServingRuntime containers, Knative caching Images);
/// - `env` entries named `…_IMAGE` and `--…image…=REF` flags in `args`/`command` (cert-manager's
///   `--acme-http01-solver-image=…`);
/// - ConfigMap data: `image`/`…-image`/`…_image` keys (Knative's `queue-sidecar-image`), JSON held in a value
///   (KServe's `inferenceservice-config`: `image` kept without a tag when `defaultImageVersion` supplies it;
///   Istio's values: `hub` members rewritten, bare `image` names left to the hub), and `image:` lines of
///   template text;
/// - Knative's `registries-skipping-tag-resolving` (ConfigMap `config-deployment`), set to the private
///   registry's host, so Knative does not ask the registry to resolve tags it may not serve over https;
/// - optionally `storageUri` values naming a model the bundle carries (``Options/storageURIs``).
///
/// `image: auto` (Istio gateway injection) is left as it is: Istio fills it in from the injector values, whose
/// hub is rewritten.
public struct ImageRewriter: Sendable {
  /// What to rewrite and what to leave.
  public struct Options: Sendable {
    /// Set Knative's `registries-skipping-tag-resolving` to the private registry's host.
    public var setKnativeTagResolutionSkip = true
    /// `storageUri` values to replace, whole (`gs://kfserving-examples/models/sklearn/1.0/model` →
    /// `oci://HOST/PREFIX/servestack/models/sklearn-iris:1.0`).
    public var storageURIs: [String: String] = [:]
    /// Places to leave alone, by object and field (the field as ``ImageOccurrence/field`` spells it). For
    /// tests and for sites that deliberately keep a reference; the leftover check still reports them.
    public var skip: (@Sendable (ObjectRef, String) -> Bool)?

    public init() {}
  }

  /// `HOST[:PORT][/PREFIX]` as given, without a trailing slash.
  public let target: String
  /// The registry part of ``target`` (`HOST[:PORT]`, normalised as references normalise it).
  public let registryHost: String
  /// The repository prefix of ``target`` (empty for none).
  public let prefix: String
  public let options: Options

  /// A rewriter to `target` (`HOST[:PORT][/PREFIX]`).
  ///
  /// #### Errors
  /// ``ValueError`` when `target` is not a registry host with an optional repository prefix.
  public init(target: String, options: Options = Options()) throws(ValueError) {
    var trimmed = target
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    // Validates host and prefix the way references are validated.
    let probe = try ImageReference(registry: "probe.invalid", repository: "probe").rewritten(toRegistry: trimmed)
    self.target = trimmed
    registryHost = probe.registry
    prefix = String(probe.repository.dropLast("probe".count).dropLast())
    self.options = options
  }

  /// Whether `reference` is already in the private registry (under the prefix).
  public func isInTarget(_ reference: ImageReference) -> Bool {
    guard reference.registry == registryHost else { return false }
    return prefix.isEmpty || reference.repository.hasPrefix(prefix + "/")
  }

  /// The reference `text` names, in the private registry, spelled as written: a tag or digest is kept
  /// when written and not added when not (`kserve/agent` → `HOST/PREFIX/kserve/agent`, which KServe then
  /// completes with `defaultImageVersion`). Nil when `text` is not a reference or is already there.
  public func rewrite(reference text: String) -> String? {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty, trimmed != "auto", !trimmed.contains("{{"),
      let reference = try? ImageReference(trimmed), !isInTarget(reference),
      let moved = try? reference.rewritten(toRegistry: target)
    else { return nil }
    var result = moved.name
    if Self.writesTag(trimmed), let tag = reference.tag { result += ":" + tag }
    if let digest = reference.digest { result += "@" + digest.description }
    return result
  }

  /// A hub (`docker.io/istio`, a registry and a repository path without an image name) in the private
  /// registry (`HOST/PREFIX/istio`); nil when it is not one or is already there.
  public func rewrite(hub: String) -> String? {
    guard !hub.isEmpty, !hub.contains("{{"), let probe = try? ImageReference(hub + "/servestack-probe"),
      !isInTarget(probe), let moved = try? probe.rewritten(toRegistry: target)
    else { return nil }
    return String(moved.name.dropLast("/servestack-probe".count))
  }

  /// Whether a written reference carries a tag (a `:` in its last path component, before any `@`).
  static func writesTag(_ text: String) -> Bool {
    let withoutDigest = text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? text
    let last = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
    return last.contains(":")
  }

  /// Rewrites every image reference of `objects` (`List`s are rewritten item by item) and checks the result.
  public func rewrite(_ objects: [JSONValue]) -> ImageRewriteResult {
    var walker = RewriteWalker(rewriter: self)
    var rewritten: [JSONValue] = []
    rewritten.reserveCapacity(objects.count)
    for object in objects {
      var copy = object
      walker.visitTopLevel(&copy)
      rewritten.append(copy)
    }
    let check = leftoverCheck(rewritten)
    return ImageRewriteResult(
      objects: rewritten, changes: walker.changes, leftovers: check.leftovers, problems: check.problems)
  }

  /// Every reference in `objects` that is not in the private registry, with its object and field, and the
  /// strings where an image was expected that are not references.
  public func leftoverCheck(_ objects: [JSONValue]) -> (leftovers: [ImageOccurrence], problems: [ExtractionProblem]) {
    let extraction = ImageExtractor().extract(from: objects)
    return (extraction.occurrences.filter { !isInTarget($0.reference) }, extraction.problems)
  }
}

/// One reference the rewriter changed.
public struct ImageRewriteChange: Hashable, Sendable {
  public var object: ObjectRef
  /// The field, as ``ImageOccurrence/field`` spells it.
  public var field: String
  public var from: String
  public var to: String

  public var description: String { "\(object) \(field): \(from) → \(to)" }
}

/// What ``ImageRewriter/rewrite(_:)`` produced.
public struct ImageRewriteResult: Sendable {
  /// The objects with every reference rewritten (same order and count as given).
  public var objects: [JSONValue]
  public var changes: [ImageRewriteChange]
  /// References left pointing at another registry; the install must refuse to go on while any is left.
  public var leftovers: [ImageOccurrence]
  /// Strings where an image was expected that are not references (reported, not fatal).
  public var problems: [ExtractionProblem]

  public var isClean: Bool { leftovers.isEmpty }

  /// One line per leftover: object, field and reference.
  public var leftoverSummary: String {
    leftovers.map { "\($0.object) \($0.field): \($0.text)" }.joined(separator: "\n")
  }
}
