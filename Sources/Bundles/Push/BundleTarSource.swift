import Archive
import Foundation
import Registry
import ServestackCore

/// An uncompressed bundle tarball read in place: its images are pushed from byte ranges of the file, with
/// no extracted copy. Built by ``open(_:options:)``, which checks the bundle first.
struct BundleTarSource: OCIImageSource {
  let archive: URL
  /// The tarball's regular files by path, with where their data lies.
  let files: [String: TarIndex.Entry]
  /// The descriptors of images/index.json.
  let images: [Descriptor]
  /// Every manifest images/index.json reaches, read and checked against its name and checksums.txt.
  let manifests: [Digest: Manifest]

  var sourceDescription: String { "the bundle \(archive.path)" }

  func entry(named name: String) -> Descriptor? {
    images.first { $0.annotations[Descriptor.refNameAnnotation] == name }
  }

  func manifest(_ descriptor: Descriptor) throws(RegistryError) -> Manifest {
    guard let manifest = manifests[descriptor.digest] else {
      throw RegistryError(.notFound, "manifest \(descriptor.digest) is not in \(sourceDescription)")
    }
    return manifest
  }

  func blobLocation(_ digest: Digest) -> BlobLocation? {
    let path = BundleLayout.blobPath(digest)
    guard let entry = files[path] else { return nil }
    return BlobLocation(file: archive, offset: entry.dataOffset, length: entry.size, name: "\(archive.path): \(path)")
  }
}

/// A bundle checked for an in-place push.
struct InPlaceBundle: Sendable {
  let source: BundleTarSource
  let descriptor: BundleDescriptor
  let verification: BundleVerification
}

extension BundleTarSource {
  /// Indexes `bundle` (headers only) and checks, before anything is pushed: every entry's name and type (as
  /// the verifier does), the file list against checksums.txt (missing and extra files), the signature, the
  /// content of every file outside images/blobs (bundle.yaml, index.json, phases, manifests, models…) and of
  /// every manifest (read from their ranges, hashed, compared with checksums.txt and their names), and that
  /// every blob a manifest names is in the tarball with its size. Layers and configs are not read here: the push hashes each blob it
  /// uploads while sending it, and blobs the registry already has are not read at all.
  ///
  /// #### Errors
  /// ``BundleError`` `.verificationFailed` listing every problem ("nothing was pushed"); `.invalidBundle`
  /// when the bundle checks out but its images/index.json or bundle.yaml cannot be used; `.io` on
  /// cancellation.
  static func open(_ bundle: URL, options: BundlePushOptions) async throws(BundleError) -> InPlaceBundle {
    options.progress?(BundleProgress(stage: .verifying))
    let index: TarIndex
    do {
      index = try await TarIndex.build(archive: bundle, limits: options.limits)
    } catch  where error.code == .cancelled {
      throw BundleError(.io, "verifying \(bundle.path) was cancelled")
    } catch {
      throw refusal(bundle, [.init(kind: .archive, path: nil, message: error.userMessage)])
    }
    let check = await BlockingExecutor.shared.run { () -> InPlaceCheck in
      var check = InPlaceCheck()
      check.run(index)
      return check
    }
    if Task.isCancelled { throw BundleError(.io, "verifying \(bundle.path) was cancelled") }
    let verification = check.scan.finish(
      archive: bundle, key: options.key, requireSignature: options.requireSignature, unread: check.unread)
    guard verification.isValid else { throw refusal(bundle, verification.problems) }
    if let unusable = check.unusable {
      throw BundleError(.invalidBundle, "\(bundle.path) is not a usable bundle: \(unusable)")
    }
    guard let descriptorBytes = check.descriptorBytes else {
      throw BundleError(
        .invalidBundle, "\(bundle.path) is not a usable bundle: it has no \(BundleLayout.descriptorFile)")
    }
    let descriptor: BundleDescriptor
    do {
      descriptor = try BundleDescriptor(yaml: descriptorBytes, source: BundleLayout.descriptorFile)
    } catch {
      throw BundleError.wrap(error, .invalidBundle, "\(bundle.path) is not a usable bundle")
    }
    let source = BundleTarSource(archive: bundle, files: check.files, images: check.images, manifests: check.manifests)
    return InPlaceBundle(source: source, descriptor: descriptor, verification: verification)
  }

  static func refusal(_ bundle: URL, _ problems: [BundleVerification.Problem]) -> BundleError {
    BundleError(
      .verificationFailed,
      "the bundle \(bundle.path) failed verification; nothing was pushed:\n"
        + problems.map(\.description).joined(separator: "\n"))
  }
}

/// The reading half of ``BundleTarSource/open(_:options:)``, on a blocking thread.
struct InPlaceCheck: Sendable {
  var scan = BundleVerifier.Scan()
  var files: [String: TarIndex.Entry] = [:]
  var descriptorBytes: [UInt8]?
  var images: [Descriptor] = []
  var manifests: [Digest: Manifest] = [:]
  /// Why the images cannot be read although their bytes may check out (unparsable index.json, manifest).
  var unusable: String?

  /// Files in the tarball that were not hashed (the blobs that are not manifests).
  var unread: Set<String> {
    Set(files.keys).subtracting(scan.digests.keys).subtracting(BundleLayout.unchecksummedFiles)
  }

  mutating func run(_ index: TarIndex) {
    var seen = Set<String>()
    for item in index.entries {
      guard let path = BundleVerifier.Scan.acceptedFile(item.entry, seen: &seen, problems: &scan.problems) else {
        continue
      }
      files[path] = item
    }
    do throws(ArchiveError) {
      if let entry = files[BundleLayout.checksumsFile] {
        scan.checksums = try index.readBlocking(entry, maxBytes: 64 << 20)
      }
      if let entry = files[BundleLayout.signatureFile] {
        scan.signature = try index.readBlocking(entry, maxBytes: 4096)
      }
      descriptorBytes = try hash(BundleLayout.descriptorFile, index)
      _ = try hash(BundleLayout.ociLayoutFile, index)
      if let bytes = try hash(BundleLayout.ociIndexFile, index) { try readImages(bytes, index) }
      for path in files.keys.sorted()
      where !path.hasPrefix(BundleLayout.blobsPrefix) && scan.digests[path] == nil
        && !BundleLayout.unchecksummedFiles.contains(path)
      {
        if BundlePhaseReferences.isPhaseFile(path) {
          scan.phaseFiles[path] = try hash(path, index)
        } else {
          try hashStreaming(path, index)
        }
      }
    } catch {
      scan.problems.append(.init(kind: .archive, path: error.entryPath, message: error.userMessage))
    }
    checkBlobNames()
  }

  /// Every file under images/blobs/sha256 is named by a digest, and checksums.txt agrees with the name of
  /// those not read (a changed byte in one of them is caught when its upload is hashed).
  mutating func checkBlobNames() {
    let listed = scan.checksums.flatMap { try? BundleChecksums(parsing: $0).digests } ?? [:]
    for path in files.keys.sorted() where path.hasPrefix(BundleLayout.blobsPrefix) {
      guard let named = BundleLayout.blobDigest(atPath: path) else {
        scan.problems.append(
          .init(
            kind: .unsafeEntry, path: path,
            message: "a file under \(BundleLayout.blobsPrefix) not named by a sha256 digest"))
        continue
      }
      if scan.digests[path] == nil, let expected = listed[path], expected != named {
        scan.problems.append(
          .init(
            kind: .mismatch, path: path,
            message: "checksums.txt says \(expected.hex), but the blob is named \(named.hex)"))
      }
    }
  }

  /// Reads and hashes a file for checksums.txt; nil when the tarball lacks it (the comparison with
  /// checksums.txt reports that) or when it is a blob whose content does not match its name.
  mutating func hash(_ path: String, _ index: TarIndex, maxBytes: Int = 16 << 20) throws(ArchiveError) -> [UInt8]? {
    guard let entry = files[path] else { return nil }
    let bytes = try index.readBlocking(entry, maxBytes: maxBytes)
    let digest = Digest.sha256(bytes)
    scan.digests[path] = digest
    scan.files += 1
    scan.bytes += Int64(bytes.count)
    if let named = BundleLayout.blobDigest(atPath: path), named != digest {
      scan.problems.append(.init(kind: .blobMismatch, path: path, message: "its content hashes to \(digest)"))
      return nil
    }
    return bytes
  }

  /// Hashes a file of any size for checksums.txt without holding it in memory.
  mutating func hashStreaming(_ path: String, _ index: TarIndex) throws(ArchiveError) {
    guard let entry = files[path] else { return }
    var hasher = SHA256Stream()
    try index.streamBlocking(entry) { hasher.update($0) }
    scan.digests[path] = hasher.finalize()
    scan.files += 1
    scan.bytes += hasher.count
  }

  /// Reads images/index.json and every manifest it reaches; checks that the blobs they name are there.
  mutating func readImages(_ indexBytes: [UInt8], _ index: TarIndex) throws(ArchiveError) {
    do {
      let json = try JSONValue(parsing: indexBytes)
      for entry in json["manifests"]?.arrayValue ?? [] {
        images.append(try Descriptor(json: entry, context: BundleLayout.ociIndexFile))
      }
    } catch {
      unusable = "\(BundleLayout.ociIndexFile): \(error.userMessage)"
      return
    }
    var pending = images.map { (descriptor: $0, parent: BundleLayout.ociIndexFile) }
    while let (descriptor, parent) = pending.popLast() {
      let path = BundleLayout.blobPath(descriptor.digest)
      guard manifests[descriptor.digest] == nil, scan.digests[path] == nil else { continue }
      guard files[path] != nil else {
        scan.problems.append(
          .init(kind: .missing, path: path, message: "\(parent) names this manifest, which the tarball does not hold"))
        continue
      }
      guard let bytes = try hash(path, index) else { continue }
      let manifest: Manifest
      do {
        manifest = try Manifest(bytes: bytes, mediaType: descriptor.mediaType, context: path)
      } catch {
        unusable = error.message
        continue
      }
      manifests[descriptor.digest] = manifest
      if manifest.isIndex {
        pending.append(contentsOf: manifest.manifests.map { ($0, path) })
        continue
      }
      for blob in manifest.blobs {
        let blobPath = BundleLayout.blobPath(blob.digest)
        guard let entry = files[blobPath] else {
          scan.problems.append(
            .init(
              kind: .missing, path: blobPath,
              message: "manifest \(path) names this blob, which the tarball does not hold"))
          continue
        }
        if entry.size != blob.size {
          scan.problems.append(
            .init(
              kind: .mismatch, path: blobPath, message: "it has \(entry.size) bytes; manifest \(path) says \(blob.size)"
            ))
        }
      }
    }
  }
}
