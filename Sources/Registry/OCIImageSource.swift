public import Foundation
public import ServestackCore

/// Where a blob's bytes are: `length` bytes of `file` from `offset` — a whole file of an OCI layout, or the
/// data of one entry of an uncompressed tarball.
public struct BlobLocation: Sendable, Equatable {
  public var file: URL
  public var offset: Int64
  public var length: Int64
  /// How messages name it (`/layout/blobs/sha256/ab…`, `bundle.tar: images/blobs/sha256/ab…`).
  public var name: String

  public init(file: URL, offset: Int64 = 0, length: Int64, name: String? = nil) {
    self.file = file
    self.offset = offset
    self.length = length
    self.name = name ?? file.path
  }
}

/// What ``RegistryClient/push(from:name:to:options:)`` pushes from: named images, their manifests, and
/// where each blob's bytes are. ``OCILayout`` is one; a bundle tarball read in place is another.
public protocol OCIImageSource: Sendable {
  /// How messages name the source.
  var sourceDescription: String { get }
  /// The image named `name` (`org.opencontainers.image.ref.name`), if any.
  func entry(named name: String) throws(RegistryError) -> Descriptor?
  /// The manifest `descriptor` names, its digest checked.
  func manifest(_ descriptor: Descriptor) throws(RegistryError) -> Manifest
  /// Where blob `digest` is, or nil when the source does not hold it.
  func blobLocation(_ digest: Digest) -> BlobLocation?
}

extension OCILayout: OCIImageSource {
  public var sourceDescription: String { "the OCI layout \(root.path)" }

  public func blobLocation(_ digest: Digest) -> BlobLocation? {
    let url = blobURL(digest)
    guard let size = FileDigest.size(of: url) else { return nil }
    return BlobLocation(file: url, length: size)
  }
}
