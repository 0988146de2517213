import Foundation
import ServestackCore
import YAML

/// Turns phases into the objects to apply: fetches their manifests (concurrently), parses them, applies
/// the patches for the profile and substitutes parameters.
public struct PhaseRenderer: Sendable {
  public let fetcher: ManifestFetcher
  public let parameters: PhaseParameters

  public init(fetcher: ManifestFetcher, parameters: PhaseParameters) {
    self.fetcher = fetcher
    self.parameters = parameters
  }

  /// Renders one phase.
  ///
  /// #### Errors
  /// ``PhaseError``: a manifest that cannot be fetched, does not match its pin or is not Kubernetes YAML;
  /// a patch whose target matches nothing (naming the patch and its file and line).
  public func render(_ phase: PhaseSpec) async throws(PhaseError) -> RenderedPhase {
    try await render([phase])[0]
  }

  /// Renders several phases, fetching and parsing all their manifests concurrently; results in the order given.
  public func render(_ phases: [PhaseSpec]) async throws(PhaseError) -> [RenderedPhase] {
    let profile = parameters.profile
    let jobs = phases.enumerated().flatMap { index, phase in
      phase.manifests(for: profile).map { ManifestJob(phase: index, source: $0, directory: phase.directory) }
    }
    let fetcher = self.fetcher
    let parsed = try await concurrentMap(jobs, limit: max(2, fetcher.options.maximumConcurrentDownloads)) {
      job throws(PhaseError) in
      let fetched = try await fetcher.fetch(job.source, relativeTo: job.directory)
      return (fetched, try PhaseRenderer.parseObjects(fetched))
    }
    var rendered: [RenderedPhase] = []
    for (index, phase) in phases.enumerated() {
      var objects: [JSONValue] = []
      var manifests: [RenderedManifest] = []
      for (job, (fetched, manifestObjects)) in zip(jobs, parsed) where job.phase == index {
        let start = objects.count
        objects.append(contentsOf: manifestObjects)
        manifests.append(
          RenderedManifest(
            source: fetched.source, digest: fetched.digest, origin: fetched.origin, objectRange: start..<objects.count))
      }
      rendered.append(try finish(phase, objects: objects, manifests: manifests))
    }
    return rendered
  }

  func finish(_ phase: PhaseSpec, objects manifestObjects: [JSONValue], manifests: [RenderedManifest])
    throws(PhaseError) -> RenderedPhase
  {
    var objects = manifestObjects + phase.objects.map(parameters.substitute)
    for patch in phase.patches(for: parameters.profile) {
      try apply(patch, to: &objects)
    }
    let probes = phase.webhookProbes.map {
      WebhookProbe(webhook: parameters.substitute($0.webhook), object: parameters.substitute($0.object))
    }
    let document = RenderedPhase.digestDocument(spec: phase, objects: objects, probes: probes)
    return RenderedPhase(
      spec: phase, parameters: parameters, objects: objects, manifests: manifests, webhookProbes: probes,
      digest: Digest.sha256(document.serializedBytes(.sortedKeys)))
  }

  func apply(_ patch: PhasePatch, to objects: inout [JSONValue]) throws(PhaseError) {
    let target = PatchTarget(
      apiVersion: patch.target.apiVersion.map(parameters.substitute), kind: parameters.substitute(patch.target.kind),
      namespace: patch.target.namespace.map(parameters.substitute), name: parameters.substitute(patch.target.name))
    let matches = objects.indices.filter { target.matches(objects[$0]) }
    guard !matches.isEmpty else {
      throw patch.source.error(
        .patchTargetMissing,
        "the patch's target \(target) matches no object of this phase for profile \(parameters.profile); check the target's kind, namespace and name against the manifests"
      )
    }
    for index in matches {
      switch patch.operation {
      case .merge(let merge):
        objects[index] = JSONMergePatch.apply(parameters.substitute(merge), to: objects[index])
      case .mergeJSON(let key, let merge):
        guard let text = objects[index][path: ["data", key]]?.stringValue else {
          throw patch.source.error(.patchFailed, "\(target) has no data key '\(key)' to merge into")
        }
        let held: JSONValue
        do {
          held = try JSONValue(parsing: text)
        } catch {
          throw patch.source.error(
            .patchFailed, "\(target) data key '\(key)' is not JSON (\(error)); use merge: instead")
        }
        guard held.objectValue != nil else {
          throw patch.source.error(.patchFailed, "\(target) data key '\(key)' holds JSON that is not an object")
        }
        let merged = JSONMergePatch.apply(parameters.substitute(merge), to: held)
        objects[index].set(.string(merged.serialized(.pretty)), at: ["data", key])
      }
    }
  }

  /// The Kubernetes objects of a manifest: every non-empty document, `List`s expanded.
  static func parseObjects(_ manifest: FetchedManifest) throws(PhaseError) -> [JSONValue] {
    let name = manifest.source.reference
    let documents: [JSONValue]
    do {
      documents = try YAMLParser.parseDocuments(manifest.bytes, file: name)
    } catch {
      throw PhaseError(
        .invalidManifest, "the manifest is not valid YAML: \(error.message)", file: name, line: error.line,
        column: error.column,
        cause: error)
    }
    var objects: [JSONValue] = []
    for (index, document) in documents.enumerated() {
      guard document.objectValue != nil, document["kind"]?.stringValue != nil,
        document["apiVersion"]?.stringValue != nil
      else {
        throw PhaseError(
          .invalidManifest, "document \(index + 1) is not a Kubernetes object (no kind or apiVersion)", file: name)
      }
      if document["kind"]?.stringValue?.hasSuffix("List") == true, let items = document["items"]?.arrayValue {
        objects.append(contentsOf: items)
      } else {
        objects.append(document)
      }
    }
    return objects
  }
}

struct ManifestJob: Sendable {
  let phase: Int
  let source: ManifestSource
  let directory: URL?
}
