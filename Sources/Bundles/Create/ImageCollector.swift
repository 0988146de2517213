import Foundation
import Registry
import ServestackCore
import Synchronization

/// One image as stored in the cache layout.
struct CollectedImage: Sendable {
  /// The upstream reference (what the manifests say; the name in images/index.json).
  var reference: ImageReference
  /// The top manifest as stored: the upstream one, or an index filtered to the wanted platforms.
  var stored: Manifest
  /// Image manifests of an index (empty for a single manifest).
  var children: [Manifest]
  var platforms: [Platform]

  /// Config and layer blobs, each once.
  var blobs: [Descriptor] {
    var seen = Set<Digest>()
    return (children.isEmpty ? [stored] : children).flatMap(\.blobs).filter { seen.insert($0.digest).inserted }
  }

  /// Manifests and blobs, in bytes.
  var size: Int64 {
    Int64(stored.bytes.count) + children.reduce(0) { $0 + Int64($1.bytes.count) } + blobs.reduce(0) { $0 + $1.size }
  }
}

/// What a collection did.
struct CollectionCounts: Sendable, Equatable {
  var blobsDownloaded = 0
  /// Blobs already in the cache (shared with an image collected before, or left by an earlier run).
  var blobsCached = 0
  var blobsResumed = 0
  var bytesDownloaded: Int64 = 0
}

/// Pulls images into one OCI layout (the cache): every manifest first, then every distinct blob once,
/// `parallel` at a time across all images, so that a layer shared by several images is fetched once and
/// never by two downloads at once. Blobs already in the layout are not fetched again; partial downloads of
/// an interrupted run resume where they stopped.
struct ImageCollector: Sendable {
  let layout: OCILayout
  let clients: RegistryClients
  let platforms: [Platform]
  let parallel: Int
  let progress: BundleProgressHandler?

  /// Resolves every image's manifests; with `download`, also fetches every blob the layout lacks and stores
  /// the manifests there. Without it the blobs stay remote (the bundle writer downloads them into the
  /// tarball) and only the count of blobs the layout already holds is filled in.
  func collect(_ references: [ImageReference], download: Bool = true) async throws(BundleError)
    -> ([CollectedImage], CollectionCounts)
  {
    let resolved = Mutex(0)
    let total = references.count
    let outcomes: [Result<CollectedImage, RegistryError>]
    do {
      outcomes = try await concurrentMap(references, limit: parallel) { reference in
        // An image the registry does not have is kept as a result, so that every missing one is named at
        // once; any other failure (the registry is down, refuses us) stops the run.
        let outcome: Result<CollectedImage, RegistryError>
        do {
          outcome = .success(try await self.resolve(reference))
        } catch let error as RegistryError where error.code == .notFound {
          outcome = .failure(error)
        }
        let done = resolved.withLock { count in
          count += 1
          return count
        }
        self.progress?(
          BundleProgress(stage: .resolving, itemsDone: done, itemsTotal: total, current: reference.description))
        return outcome
      }
    } catch {
      throw BundleError.wrap(error, .registry, "cannot resolve the bundle's images")
    }
    let notFound = zip(references, outcomes).compactMap { reference, outcome -> String? in
      guard case .failure(let error) = outcome else { return nil }
      return "  \(reference): \(error.userMessage)"
    }
    guard notFound.isEmpty else {
      throw BundleError(
        .registry,
        "\(notFound.count) of the bundle's \(references.count) images could not be found; nothing was written:\n"
          + notFound.joined(separator: "\n"),
        cause: outcomes.lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first)
    }
    let images = outcomes.compactMap { try? $0.get() }
    var sources: [Digest: (Descriptor, ImageReference)] = [:]
    for image in images {
      for blob in image.blobs where sources[blob.digest] == nil { sources[blob.digest] = (blob, image.reference) }
    }
    var counts = CollectionCounts()
    var missing: [(Descriptor, ImageReference)] = []
    for (digest, source) in sources.sorted(by: { $0.key < $1.key }) {
      if layout.hasBlob(digest, size: source.0.size) {
        counts.blobsCached += 1
      } else {
        missing.append(source)
      }
    }
    guard download else { return (images, counts) }
    try await self.download(missing, counts: &counts)
    do {
      for image in images {
        for child in image.children { try layout.addBlob(child.bytes) }
        try layout.addBlob(image.stored.bytes)
      }
    } catch {
      throw BundleError(.io, "cannot store manifests in the cache \(layout.root.path): \(error.message)", cause: error)
    }
    return (images, counts)
  }

  /// The manifests of one image, platforms filtered.
  private func resolve(_ reference: ImageReference) async throws -> CollectedImage {
    let (client, pull) = try clients.source(for: reference)
    let top = try await client.manifest(pull)
    guard top.isIndex else {
      return CollectedImage(reference: reference, stored: top, children: [], platforms: [])
    }
    // A reference pinned by digest must keep that digest: keep every platform of its index.
    let wanted = reference.digest == nil ? platforms : []
    let kept = top.children(for: wanted)
    guard !kept.isEmpty else {
      let available = top.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
      throw BundleError(
        .registry,
        "\(reference) has no image for \(wanted.map(\.description).joined(separator: ", ")) (it has: \(available)); "
          + "choose other --platform values or drop the image")
    }
    var children: [Manifest] = []
    for child in kept {
      let manifest = try await client.manifest(repository: pull.repository, reference: child.digest.description)
      guard !manifest.isIndex else {
        throw BundleError(.registry, "\(reference) is an index of indexes, which bundles do not carry")
      }
      children.append(manifest)
    }
    let stored =
      kept.count == top.manifests.count
      ? top : try Self.filteredIndex(top, keeping: kept, context: reference.description)
    return CollectedImage(
      reference: reference, stored: stored, children: children, platforms: kept.compactMap(\.platform))
  }

  /// `index` listing only `children`; its other members are kept (its digest differs from the original's).
  static func filteredIndex(_ index: Manifest, keeping children: [Descriptor], context: String) throws -> Manifest {
    guard case .object(var object) = try JSONValue(parsing: index.bytes) else {
      throw BundleError(.registry, "\(context): the index is not a JSON object")
    }
    let kept = Set(children.map(\.digest.description))
    object["manifests"] = .array(
      (object["manifests"]?.arrayValue ?? []).filter { kept.contains($0["digest"]?.stringValue ?? "") })
    return try Manifest(bytes: JSONValue.object(object).serializedBytes(), mediaType: index.mediaType, context: context)
  }

  private struct Tally {
    var bytes: [Digest: Int64] = [:]
    var done = 0
    var counts = CollectionCounts()
  }

  /// Downloads `blobs` into the layout, `parallel` at a time, resuming partial downloads.
  func download(_ blobs: [(Descriptor, ImageReference)], counts: inout CollectionCounts) async throws(BundleError) {
    guard !blobs.isEmpty else { return }
    let totalBytes = blobs.reduce(0) { $0 + $1.0.size }
    let tally = Mutex(Tally())
    let report: @Sendable (Digest, Int64, Bool) -> Void = { digest, bytes, finished in
      let snapshot = tally.withLock { state in
        state.bytes[digest] = bytes
        if finished { state.done += 1 }
        return (state.bytes.values.reduce(0, +), state.done)
      }
      self.progress?(
        BundleProgress(
          stage: .downloading, bytesDone: snapshot.0, bytesTotal: totalBytes, itemsDone: snapshot.1,
          itemsTotal: blobs.count))
    }
    let layout = self.layout
    do {
      _ = try await concurrentMap(blobs, limit: parallel) { blob, image in
        let (client, pull) = try self.clients.source(for: image)
        let result = try await client.downloadBlob(
          repository: pull.repository, digest: blob.digest, size: blob.size, to: layout.blobURL(blob.digest),
          partial: layout.partialURL(blob.digest)
        ) { bytes in report(blob.digest, bytes, false) }
        tally.withLock { state in
          state.counts.blobsDownloaded += 1
          state.counts.bytesDownloaded += result.bytesReceived
          if result.resumedFrom > 0 { state.counts.blobsResumed += 1 }
        }
        report(blob.digest, blob.size, true)
        return true
      }
    } catch {
      let partial = tally.withLock { $0.counts }
      counts.blobsDownloaded += partial.blobsDownloaded
      throw BundleError.wrap(
        error, .registry,
        "downloading blobs stopped after \(partial.blobsDownloaded) of \(blobs.count) (finished blobs stay in the cache "
          + "\(layout.root.path); run again to resume)")
    }
    let final = tally.withLock { $0.counts }
    counts.blobsDownloaded += final.blobsDownloaded
    counts.blobsResumed += final.blobsResumed
    counts.bytesDownloaded += final.bytesDownloaded
  }
}
