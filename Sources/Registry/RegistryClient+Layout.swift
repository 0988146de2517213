import Foundation
import ServestackCore
import Synchronization

extension RegistryClient {
  /// Pulls `reference` (every platform of an index, or those of ``TransferOptions/platforms``) into
  /// `layout`, byte-exact, under `name` (default: the reference's canonical form).
  ///
  /// Blobs already in the layout with the right digest are not downloaded again, partial downloads left by
  /// an interrupted run are resumed, and at most ``TransferOptions/maxConcurrentBlobs`` download at once.
  ///
  /// #### Errors
  /// ``RegistryError`` from the registry or the layout; nothing is named in index.json unless every blob
  /// and manifest was stored and verified.
  public func pull(
    _ reference: ImageReference, into layout: OCILayout, name: String? = nil,
    options: TransferOptions = TransferOptions()
  ) async throws(RegistryError) -> PullResult {
    guard reference.registry == registry else {
      throw RegistryError(.invalidArgument, "\(reference) is not in registry \(registry)")
    }
    let repository = reference.repository
    let top = try await manifest(reference)
    var manifests: [Manifest] = []
    var stored = top
    var platforms: [Platform] = []
    if top.isIndex {
      let children = top.children(for: options.platforms)
      guard !children.isEmpty else {
        let available = top.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
        throw RegistryError(
          .notFound,
          "\(reference) has no image for \(options.platforms.map(\.description).joined(separator: ", ")) (it has: \(available))"
        )
      }
      for child in children {
        manifests.append(try await manifest(repository: repository, reference: child.digest.description))
        if let platform = child.platform { platforms.append(platform) }
      }
      if children.count < top.manifests.count {
        stored = try Self.filteredIndex(top, keeping: children, context: reference.description)
      }
    } else {
      manifests = [top]
    }
    var blobs: [Descriptor] = []
    var seen = Set<Digest>()
    for manifest in manifests {
      if manifest.isIndex {
        throw RegistryError(.unsupported, "\(reference) is an index of indexes, which servestack does not copy")
      }
      for blob in manifest.blobs where seen.insert(blob.digest).inserted { blobs.append(blob) }
    }
    var result = PullResult(
      reference: reference, name: name ?? reference.description, digest: top.digest, storedDigest: stored.digest,
      mediaType: top.mediaType, platforms: platforms)
    var missing: [Descriptor] = []
    for blob in blobs {
      var present = layout.hasBlob(blob.digest, size: blob.size)
      if present, options.verifyExistingBlobs { present = try await layout.verifyBlob(blob.digest) }
      if present {
        result.blobsSkipped += 1
      } else {
        missing.append(blob)
      }
    }
    let tracker = ProgressTracker(
      image: reference.description, total: missing.reduce(0) { $0 + $1.size }, blobs: missing.count,
      report: options.progress)
    let counters = Mutex((downloaded: 0, bytes: Int64(0), resumed: 0))
    try await concurrentForEach(missing, limit: options.maxConcurrentBlobs) { blob throws(RegistryError) in
      let download = try await self.downloadBlob(
        repository: repository, digest: blob.digest, size: blob.size, to: layout.blobURL(blob.digest),
        partial: layout.partialURL(blob.digest)
      ) { bytes in tracker.update(blob.digest, bytes: bytes) }
      tracker.finish(blob.digest, size: blob.size)
      counters.withLock {
        $0.downloaded += 1
        $0.bytes += download.bytesReceived
        if download.resumedFrom > 0 { $0.resumed += 1 }
      }
    }
    counters.withLock {
      result.blobsDownloaded = $0.downloaded
      result.bytesDownloaded = $0.bytes
      result.blobsResumed = $0.resumed
    }
    for manifest in manifests where manifest.digest != stored.digest { try layout.addBlob(manifest.bytes) }
    try layout.addBlob(stored.bytes)
    try layout.setEntry(stored.descriptor(), named: result.name)
    return result
  }

  /// An index listing only `children`, other members kept (its digest differs from the original's).
  static func filteredIndex(_ index: Manifest, keeping children: [Descriptor], context: String) throws(RegistryError)
    -> Manifest
  {
    guard case .object(var object) = try? JSONValue(parsing: index.bytes) else {
      throw RegistryError(.invalidManifest, "\(context): the index is not a JSON object")
    }
    let kept = Set(children.map(\.digest))
    object["manifests"] = .array(
      (object["manifests"]?.arrayValue ?? []).filter { entry in
        entry["digest"]?.stringValue.flatMap { try? Digest($0) }.map(kept.contains) ?? false
      })
    return try Manifest(bytes: JSONValue.object(object).serializedBytes(), mediaType: index.mediaType, context: context)
  }

  /// Pushes the image named `name` in `source` (an ``OCILayout``, or a bundle tarball read in place) to
  /// `target` (its tag, else its digest): blobs first (each skipped when present, mounted when another
  /// repository of the registry has it, else uploaded), then the child manifests of an index by digest, then the top manifest. A manifest the registry already
  /// has with the same digest is not PUT again, so a second push sends no blob and no manifest.
  ///
  /// Every blob uploaded is hashed as it is sent (`.corruptSource` when it does not match its digest, and no
  /// manifest is put then); blobs the registry has or mounts are not read.
  ///
  /// #### Errors
  /// ``RegistryError``: `.notFound` when `name` is not in the source or a blob is missing from it;
  /// `.invalidArgument` when `target` pins another digest; registry refusals.
  public func push(
    from source: some OCIImageSource, name: String, to target: ImageReference,
    options: TransferOptions = TransferOptions()
  ) async throws(RegistryError) -> PushResult {
    guard target.registry == registry else {
      throw RegistryError(.invalidArgument, "\(target) is not in registry \(registry)")
    }
    guard let entry = try source.entry(named: name) else {
      throw RegistryError(.notFound, "image '\(name)' is not in \(source.sourceDescription)")
    }
    let top = try source.manifest(entry)
    if let pinned = target.digest, pinned != top.digest {
      throw RegistryError(.invalidArgument, "cannot push \(name) (\(top.digest)) to \(target): the digest differs")
    }
    let repository = target.repository
    let reference = target.tag ?? top.digest.description
    var result = PushResult(target: target, digest: top.digest)
    if let existing = try await manifestDescriptor(
      repository: repository, reference: reference, scope: .push(repository)),
      existing.digest == top.digest
    {
      result.manifestsSkipped = 1
      return result
    }
    var children: [Manifest] = []
    if top.isIndex {
      for child in top.manifests {
        guard source.blobLocation(child.digest) != nil else {
          throw RegistryError(
            .notFound,
            "the index \(name) lists \(child.digest) (\(child.platform?.description ?? "no platform")), which is not in "
              + "\(source.sourceDescription); pull the image again without a platform filter")
        }
        children.append(try source.manifest(child))
      }
    }
    var blobs: [(descriptor: Descriptor, location: BlobLocation)] = []
    var seen = Set<Digest>()
    for manifest in top.isIndex ? children : [top] {
      for blob in manifest.blobs where seen.insert(blob.digest).inserted {
        guard let location = source.blobLocation(blob.digest), location.length == blob.size else {
          throw RegistryError(
            .notFound,
            "blob \(blob.digest) of \(name) is missing from \(source.sourceDescription); pull the image again")
        }
        blobs.append((blob, location))
      }
    }
    let tracker = ProgressTracker(
      image: target.description, total: blobs.reduce(0) { $0 + $1.descriptor.size }, blobs: blobs.count,
      report: options.progress)
    let counters = Mutex(PushResult(target: target, digest: top.digest))
    let mountFrom = options.mountFrom
    try await concurrentForEach(blobs, limit: options.maxConcurrentBlobs) { item throws(RegistryError) in
      let blob = item.descriptor
      let outcome = try await self.pushBlob(
        repository: repository, from: item.location, digest: blob.digest, mountFrom: mountFrom
      ) { bytes in tracker.update(blob.digest, bytes: bytes) }
      tracker.finish(blob.digest, size: blob.size)
      counters.withLock { counts in
        switch outcome {
        case .present: counts.blobsPresent += 1
        case .mounted: counts.blobsMounted += 1
        case .uploadedMonolithic:
          counts.blobsUploaded += 1
          counts.bytesUploaded += blob.size
        case .uploadedChunked:
          counts.blobsUploaded += 1
          counts.chunkedUploads += 1
          counts.bytesUploaded += blob.size
        }
      }
    }
    let counted = counters.withLock { $0 }
    result.blobsPresent = counted.blobsPresent
    result.blobsMounted = counted.blobsMounted
    result.blobsUploaded = counted.blobsUploaded
    result.chunkedUploads = counted.chunkedUploads
    result.bytesUploaded = counted.bytesUploaded
    for child in children {
      if let existing = try await manifestDescriptor(
        repository: repository, reference: child.digest.description, scope: .push(repository)),
        existing.digest == child.digest
      {
        result.manifestsSkipped += 1
      } else {
        try await putManifest(child, repository: repository, reference: child.digest.description)
        result.manifestsPut += 1
      }
    }
    try await putManifest(top, repository: repository, reference: reference)
    result.manifestsPut += 1
    return result
  }
}
