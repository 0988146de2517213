public import Archive
public import Foundation
import Registry
public import ServestackCore

/// What `bundle inspect` shows: bundle.yaml, and each image as its manifests in images/ describe it.
public struct BundleInspection: Sendable {
  /// One image of images/index.json, sized from its manifests.
  public struct Image: Sendable, Equatable {
    public var name: String
    public var digest: Digest
    public var mediaType: String
    public var platforms: [String]
    /// Manifests, config and layers in bytes.
    public var size: Int64
    public var layers: Int
  }

  public var archive: URL
  public var archiveBytes: Int64
  public var compression: TarCompression
  public var descriptor: BundleDescriptor
  public var images: [Image]
  /// Entries read before everything needed was known (the layers come after and are not read).
  public var entriesRead: Int
}

/// Reads a bundle's description without extracting it: bundle.yaml, images/index.json and the manifests,
/// which the creator writes first; reading stops as soon as they are all in, so the layers are not even
/// decompressed.
public enum BundleInspector {
  /// #### Errors
  /// ``BundleError`` `.invalidBundle` when the tarball has no bundle.yaml or index.json or they are malformed;
  /// ``ArchiveError`` causes for a corrupt or hostile tarball.
  public static func inspect(_ archive: URL, limits: ArchiveLimits = ArchiveLimits()) async throws(BundleError)
    -> BundleInspection
  {
    let scan: Scan
    do {
      scan = try await TarReader.withReader(archive: archive, limits: limits) { reader in try Scan.run(reader) }
    } catch {
      throw BundleError.wrap(error, .invalidBundle, "cannot read the bundle \(archive.path)")
    }
    guard let descriptorBytes = scan.descriptor else {
      throw BundleError(
        .invalidBundle, "\(archive.path) has no \(BundleLayout.descriptorFile); it is not a servestack bundle")
    }
    let descriptor = try BundleDescriptor(
      yaml: descriptorBytes, source: "\(archive.lastPathComponent):\(BundleLayout.descriptorFile)")
    let problems = scan.referenceProblems
    guard problems.isEmpty else {
      throw BundleError(
        .invalidBundle,
        "the bundle \(archive.path) is refused: its phases name files it does not carry:\n"
          + problems.map(\.description).joined(separator: "\n"))
    }
    guard let index = scan.index else {
      throw BundleError(.invalidBundle, "\(archive.path) has no \(BundleLayout.ociIndexFile); the bundle is damaged")
    }
    var images: [BundleInspection.Image] = []
    for entry in index {
      let name = entry.annotations[Descriptor.refNameAnnotation] ?? entry.digest.description
      var size = entry.size
      var layers = 0
      var platforms: [String] = []
      if let top = scan.manifests[entry.digest] {
        var seen = Set<Digest>()
        var imageManifests = [top]
        if top.isIndex {
          imageManifests = top.manifests.compactMap { scan.manifests[$0.digest] }
          platforms = top.manifests.compactMap { $0.platform?.description }
          size += imageManifests.reduce(0) { $0 + Int64($1.bytes.count) }
        }
        for manifest in imageManifests {
          for blob in manifest.blobs where seen.insert(blob.digest).inserted { size += blob.size }
          layers += manifest.layers.count
        }
      } else if let recorded = descriptor.images.first(where: { $0.name == name }) {
        size = recorded.size
        platforms = recorded.platforms
      }
      images.append(
        BundleInspection.Image(
          name: name, digest: entry.digest, mediaType: entry.mediaType, platforms: platforms, size: size, layers: layers
        ))
    }
    let bytes =
      ((try? FileManager.default.attributesOfItem(atPath: archive.path))?[.size] as? NSNumber)?.int64Value ?? 0
    return BundleInspection(
      archive: archive, archiveBytes: bytes, compression: (try? TarCompression.detect(fileAt: archive)) ?? .none,
      descriptor: descriptor, images: images, entriesRead: scan.entries)
  }

  /// The small members inspect needs, read in one pass that ends as soon as they are all in.
  struct Scan: Sendable {
    var descriptor: [UInt8]?
    var index: [Descriptor]?
    var manifests: [Digest: Manifest] = [:]
    var wanted = Set<Digest>()
    var entries = 0
    /// The phase files bundle.yaml names and those read, whose `path:` manifests must be files of the bundle.
    var wantedPhaseFiles = Set<String>()
    var phaseFiles: [String: [UInt8]] = [:]
    var referenced = Set<String>()
    var files = Set<String>()
    /// checksums.txt, when reading had to go on to the end (a phase names a file not seen before it).
    var checksums: [UInt8]?

    var complete: Bool {
      descriptor != nil && index != nil && wanted.allSatisfy { manifests[$0] != nil }
        && wantedPhaseFiles.isSubset(of: phaseFiles.keys) && referenced.isSubset(of: files)
    }

    /// Problems of the phases' `path:` manifests: outside the bundle, not in the tarball, or (when
    /// checksums.txt was read) not listed in it.
    var referenceProblems: [BundleVerification.Problem] {
      let listed = checksums.flatMap { try? BundleChecksums(parsing: $0).digests }
      return BundlePhaseReferences.problems(phaseFiles: phaseFiles) { path in
        files.contains(path) && (listed.map { $0[path] != nil } ?? true)
      }
    }

    static func run(_ reader: TarReader) throws -> Scan {
      var scan = Scan()
      while let entry = try reader.next() {
        scan.entries += 1
        guard entry.type == .file else { continue }
        scan.files.insert(entry.path)
        switch entry.path {
        case BundleLayout.descriptorFile:
          let bytes = try reader.readAll(maxBytes: 16 << 20)
          scan.descriptor = bytes
          if let descriptor = try? BundleDescriptor(yaml: bytes, source: BundleLayout.descriptorFile) {
            scan.wantedPhaseFiles = Set(descriptor.phases.map(BundleLayout.phasePath))
          }
        case BundleLayout.checksumsFile:
          scan.checksums = try reader.readAll(maxBytes: 64 << 20)
        case let path where BundlePhaseReferences.isPhaseFile(path):
          let bytes = try reader.readAll(maxBytes: 16 << 20)
          scan.phaseFiles[path] = bytes
          scan.referenced.formUnion(BundlePhaseReferences.references(of: path, text: bytes).paths.map(\.resolved))
        case BundleLayout.ociIndexFile:
          let bytes = try reader.readAll(maxBytes: 16 << 20)
          guard let json = try? JSONValue(parsing: bytes) else {
            throw BundleError(.invalidBundle, "\(BundleLayout.ociIndexFile) is not JSON")
          }
          var index: [Descriptor] = []
          for item in json["manifests"]?.arrayValue ?? [] {
            index.append(try Descriptor(json: item, context: BundleLayout.ociIndexFile))
          }
          scan.index = index
          scan.wanted.formUnion(index.map(\.digest))
        default:
          guard let digest = BundleLayout.blobDigest(atPath: entry.path), scan.wanted.contains(digest),
            entry.size <= 8 << 20
          else { break }
          let bytes = try reader.readAll(maxBytes: 8 << 20)
          guard Digest.sha256(bytes) == digest else {
            throw BundleError(.invalidBundle, "\(entry.path) does not hash to its name; run `bundle verify`")
          }
          let manifest = try Manifest(bytes: bytes, context: entry.path)
          scan.manifests[digest] = manifest
          scan.wanted.formUnion(manifest.manifests.map(\.digest))
        }
        if scan.complete { break }
      }
      return scan
    }
  }
}
