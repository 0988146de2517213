public import Archive
public import Foundation
public import Registry
public import ServestackCore

/// Options of ``BundlePusher``.
public struct BundlePushOptions: Sendable {
  /// `HOST[:PORT][/PREFIX]`: `docker.io/istio/pilot:1.27.1` goes to `HOST[:PORT]/PREFIX/istio/pilot:1.27.1`.
  public var registry: String
  /// Credentials (`~/.docker/config.json` by default, or `--registry-user` with the password on stdin),
  /// CA (`--registry-ca`), plain HTTP (`--plain-http`, only when asked).
  public var registryOptions = RegistryOptions()
  /// Check the signature with this key; an unsigned bundle is then refused.
  public var key: BundleVerifyingKey?
  public var requireSignature = false
  /// Where a compressed bundle, or one for `install --bundle`, is extracted (a new folder inside it;
  /// default: the system's temporary folder). An uncompressed bundle is pushed in place, unextracted.
  public var workDirectory: URL?
  /// Blob uploads at once within an image (images go one after another so that shared layers are
  /// mounted rather than uploaded twice).
  public var parallel = 8
  public var limits = BundleVerifier.defaultLimits
  public var progress: BundleProgressHandler?
  /// Bytes free in a folder's file system (tests replace it to see the space check refuse).
  var freeSpace: @Sendable (URL) -> Int64? = ExtractionFolder.freeSpace

  public init(registry: String) { self.registry = registry }
}

/// One image pushed.
public struct PushedImage: Sendable {
  /// The name in the bundle (the upstream reference).
  public var name: String
  public var target: ImageReference
  /// The manifest digest in the registry.
  public var digest: Digest
  public var blobsUploaded = 0
  public var blobsMounted = 0
  public var blobsPresent = 0
  public var bytesUploaded: Int64 = 0
  public var manifestsPut = 0

  /// The registry had the image (same digest) already: nothing was sent.
  public var alreadyThere: Bool { manifestsPut == 0 }

  init(name: String, target: ImageReference, result: PushResult) {
    self.name = name
    self.target = target
    digest = result.digest
    blobsUploaded = result.blobsUploaded
    blobsMounted = result.blobsMounted
    blobsPresent = result.blobsPresent
    bytesUploaded = result.bytesUploaded
    manifestsPut = result.manifestsPut
  }

  init(name: String, target: ImageReference, alreadyThere digest: Digest) {
    self.name = name
    self.target = target
    self.digest = digest
  }
}

/// What a push did, image by image and in total.
public struct BundlePushResult: Sendable {
  public var images: [PushedImage]

  public var blobsUploaded: Int { images.reduce(0) { $0 + $1.blobsUploaded } }
  public var blobsMounted: Int { images.reduce(0) { $0 + $1.blobsMounted } }
  public var blobsPresent: Int { images.reduce(0) { $0 + $1.blobsPresent } }
  public var bytesUploaded: Int64 { images.reduce(0) { $0 + $1.bytesUploaded } }
  public var manifestsPut: Int { images.reduce(0) { $0 + $1.manifestsPut } }
  /// Images the registry already had with the same digest (nothing sent for them).
  public var imagesAlreadyThere: Int { images.filter(\.alreadyThere).count }
}

/// A bundle verified and extracted into a folder of its own; ``remove()`` deletes the folder.
public final class ExtractedBundle: Sendable {
  public let root: URL
  public let descriptor: BundleDescriptor
  public let layout: OCILayout
  public let verification: BundleVerification

  init(root: URL, descriptor: BundleDescriptor, layout: OCILayout, verification: BundleVerification) {
    self.root = root
    self.descriptor = descriptor
    self.layout = layout
    self.verification = verification
  }

  /// phases/ inside the extracted bundle (its manifests are `path:` files under manifests/).
  public var phasesDirectory: URL { root.appendingPathComponent(BundleLayout.phasesDirectory) }

  /// Deletes the folder and its marker.
  public func remove() { ExtractionFolder.remove(root) }
}

/// Pushes a bundle's images to a private registry.
public enum BundlePusher {
  /// Verifies `bundle` (refusing it on any problem), then extracts it safely (no links, limits enforced,
  /// nothing outside a new folder under `workDirectory`).
  ///
  /// #### Errors
  /// ``BundleError`` `.verificationFailed` listing every problem; `.invalidBundle`; `.io`.
  public static func extractVerified(_ bundle: URL, options: BundlePushOptions) async throws(BundleError)
    -> ExtractedBundle
  {
    try await extract(bundle, verification: try await verified(bundle, options: options), options: options)
  }

  /// Verifies `bundle`, refusing it on any problem.
  static func verified(_ bundle: URL, options: BundlePushOptions) async throws(BundleError) -> BundleVerification {
    options.progress?(BundleProgress(stage: .verifying))
    let verification: BundleVerification
    do {
      verification = try await BundleVerifier.verify(
        bundle, key: options.key, requireSignature: options.requireSignature, limits: options.limits,
        progress: options.progress)
    } catch {
      throw BundleError(.io, "verifying \(bundle.path) was cancelled")
    }
    guard verification.isValid else {
      throw BundleError(
        .verificationFailed,
        "the bundle \(bundle.path) failed verification; nothing was pushed:\n\(verification.summary)")
    }
    return verification
  }

  /// Extracts a verified bundle into a new folder under the work directory.
  static func extract(_ bundle: URL, verification: BundleVerification, options: BundlePushOptions)
    async throws(BundleError)
    -> ExtractedBundle
  {
    let base = options.workDirectory ?? FileManager.default.temporaryDirectory
    // Copies left by runs that were killed go first; then the space the verified files take is checked
    // before anything is written.
    let root = try ExtractionFolder.make(
      in: base, needing: verification.bytes, files: verification.files, freeSpace: options.freeSpace)
    options.progress?(BundleProgress(stage: .extracting))
    do {
      _ = try await TarExtractor.extract(bundle, to: root, limits: options.limits, allowSymlinks: false)
    } catch {
      ExtractionFolder.remove(root)
      throw BundleError(.invalidBundle, "cannot extract \(bundle.path): \(error.message)", cause: error)
    }
    do {
      let descriptorBytes = Array(try Data(contentsOf: root.appendingPathComponent(BundleLayout.descriptorFile)))
      let descriptor = try BundleDescriptor(yaml: descriptorBytes, source: BundleLayout.descriptorFile)
      let layout = try OCILayout.open(at: root.appendingPathComponent(BundleLayout.imagesDirectory))
      return ExtractedBundle(root: root, descriptor: descriptor, layout: layout, verification: verification)
    } catch {
      ExtractionFolder.remove(root)
      throw BundleError.wrap(error, .invalidBundle, "\(bundle.path) is not a usable bundle")
    }
  }

  /// Checks and pushes `bundle`.
  ///
  /// An uncompressed bundle (the default of `bundle create`) is pushed in place, from byte ranges of the
  /// tarball, with nothing extracted: its entries, file list, checksums.txt, signature, every file outside
  /// images/blobs and every manifest are checked first, and a problem refuses the bundle with nothing pushed
  /// (see ``BundleTarSource/open(_:options:)``). Layers and configs are not read beforehand: each blob that is
  /// uploaded is hashed while it is sent, and one that does not match its digest stops before its last byte
  /// and fails the push with `.verificationFailed` naming it; that image's manifests are not put (images
  /// before it in the bundle stay pushed, whole). Blobs the registry already has are not read; the
  /// registry's digest check on each upload is a second guard. `bundle verify` reads every byte.
  ///
  /// A compressed bundle is verified whole (every file hashed), extracted under
  /// ``BundlePushOptions/workDirectory``, pushed, and the extracted copy removed.
  ///
  /// #### Errors
  /// As ``extractVerified(_:options:)`` and ``push(_:options:)``; `.verificationFailed` for a corrupt blob.
  public static func push(bundle: URL, options: BundlePushOptions) async throws(BundleError)
    -> BundlePushOutcome
  {
    if let compression = try? TarCompression.detect(fileAt: bundle), compression != .none {
      return try await pushExtracting(bundle, options: options)
    }
    let opened = try await BundleTarSource.open(bundle, options: options)
    let result = try await pushImages(from: opened.source, entries: opened.source.images, options: options)
    return BundlePushOutcome(verification: opened.verification, descriptor: opened.descriptor, push: result)
  }

  /// Verifies, extracts and pushes a compressed `bundle`, then removes the extracted copy.
  static func pushExtracting(_ bundle: URL, options: BundlePushOptions) async throws(BundleError)
    -> BundlePushOutcome
  {
    let verification = try await verified(bundle, options: options)
    if let done = try await alreadyPushed(bundle, options: options) {
      return BundlePushOutcome(verification: verification, descriptor: done.descriptor, push: done.result)
    }
    let extracted = try await extract(bundle, verification: verification, options: options)
    defer { extracted.remove() }
    let result = try await push(extracted, options: options)
    return BundlePushOutcome(verification: extracted.verification, descriptor: extracted.descriptor, push: result)
  }

  /// When the registry already holds every image of the bundle with the same digests (a second push), the
  /// result without extracting anything; nil when something is to push. Reads only the tarball's head.
  static func alreadyPushed(_ bundle: URL, options: BundlePushOptions) async throws(BundleError)
    -> (descriptor: BundleDescriptor, result: BundlePushResult)?
  {
    let inspection = try await BundleInspector.inspect(bundle, limits: options.limits)
    let targets = try ImageTargets(registry: options.registry)
    let client: RegistryClient
    do {
      client = try RegistryClient(host: targets.host, options: options.registryOptions)
    } catch {
      throw BundleError(.registry, "cannot push to \(options.registry): \(error.message)", cause: error)
    }
    var images: [PushedImage] = []
    for image in inspection.images {
      let target = try targets.target(for: image.name)
      let existing: Descriptor?
      do {
        existing = try await client.manifestDescriptor(
          repository: target.repository, reference: target.tag ?? image.digest.description)
      } catch {
        return nil
      }
      guard existing?.digest == image.digest else { return nil }
      images.append(PushedImage(name: image.name, target: target, alreadyThere: image.digest))
    }
    return (inspection.descriptor, BundlePushResult(images: images))
  }

  /// Pushes every image of images/index.json to the private registry, one image after another, blobs in
  /// parallel: blobs the repository has are skipped, blobs another repository of the registry has are
  /// mounted, manifests go up byte-exact (children before their index), and an image whose manifest the
  /// registry already has with the same digest is skipped whole, so a second push sends no blob.
  ///
  /// #### Errors
  /// ``BundleError`` `.registry` naming the image and what the registry said.
  public static func push(_ bundle: ExtractedBundle, options: BundlePushOptions) async throws(BundleError)
    -> BundlePushResult
  {
    let entries: [Descriptor]
    do {
      entries = try bundle.layout.entries()
    } catch {
      throw BundleError.wrap(error, .invalidBundle, "\(bundle.root.path) is not a usable bundle")
    }
    return try await pushImages(from: bundle.layout, entries: entries, options: options)
  }

  /// Pushes the images `entries` names from `source` (an extracted layout, or the tarball in place).
  static func pushImages(from source: some OCIImageSource, entries: [Descriptor], options: BundlePushOptions)
    async throws(BundleError) -> BundlePushResult
  {
    let rewriter: ImageTargets
    let client: RegistryClient
    do {
      rewriter = try ImageTargets(registry: options.registry)
      client = try RegistryClient(host: rewriter.host, options: options.registryOptions)
    } catch {
      throw BundleError.wrap(error, .registry, "cannot push to \(options.registry)")
    }
    // Images of two upstream registries with the same path land in one repository of the private registry:
    // fine when they are the same image, refused when one would overwrite the other.
    var claimed: [String: (name: String, digest: Digest)] = [:]
    for entry in entries {
      guard let name = entry.annotations[Descriptor.refNameAnnotation] else { continue }
      let target = try rewriter.target(for: name).description
      if let other = claimed[target], other.digest != entry.digest {
        throw BundleError(
          .invalidBundle,
          "\(other.name) and \(name) would both be pushed as \(target) but are different images; nothing was pushed")
      }
      claimed[target] = (name, entry.digest)
    }
    var pushed: [PushedImage] = []
    var transfer = TransferOptions(maxConcurrentBlobs: options.parallel)
    let totalImages = entries.count
    for (index, entry) in entries.enumerated() {
      guard let name = entry.annotations[Descriptor.refNameAnnotation] else { continue }
      let target = try rewriter.target(for: name)
      if let progress = options.progress {
        transfer.progress = { p in
          progress(
            BundleProgress(
              stage: .pushing, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, itemsDone: index,
              itemsTotal: totalImages,
              current: target.description))
        }
      }
      do {
        let result = try await client.push(from: source, name: name, to: target, options: transfer)
        pushed.append(PushedImage(name: name, target: target, result: result))
      } catch  where error.code == .corruptSource {
        let before =
          pushed.isEmpty
          ? "nothing was pushed" : "the \(pushed.count) images before it were pushed whole"
        throw BundleError(
          .verificationFailed,
          "\(source.sourceDescription) is corrupt: \(error.message). \(name) was not pushed (its manifests were not "
            + "put); \(before). Get an intact copy of the bundle (`servestack bundle verify` lists every damaged file)",
          cause: error)
      } catch {
        throw BundleError(.registry, "pushing \(name) to \(target) failed: \(error.message)", cause: error)
      }
    }
    return BundlePushResult(images: pushed)
  }
}

/// Maps bundle image names to the private registry.
struct ImageTargets: Sendable {
  let registry: String
  let host: String

  init(registry: String) throws(BundleError) {
    do {
      let probe = try ImageReference(registry: "probe.invalid", repository: "probe").rewritten(toRegistry: registry)
      host = probe.registry
    } catch {
      throw BundleError(.usage, "--registry \(registry): \(error.problem); expected HOST[:PORT][/PREFIX]")
    }
    self.registry = registry
  }

  func target(for name: String) throws(BundleError) -> ImageReference {
    do {
      return try ImageReference(name).rewritten(toRegistry: registry)
    } catch {
      throw BundleError(.invalidBundle, "image name '\(name)' in the bundle: \(error)")
    }
  }
}
