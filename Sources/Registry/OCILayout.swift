public import Foundation
public import ServestackCore
import Synchronization

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`), as skopeo's `oci:` and
/// the airgap bundle's `images/` hold it.
///
/// Blobs are content-addressed, so a layer shared by several images is stored once, and adding a blob that
/// is already there with the right size is a no-op. Blobs are written to a temporary file and renamed into
/// place, so concurrent writers and interrupted runs never leave a half blob under its digest.
/// `index.json` names images with the `org.opencontainers.image.ref.name` annotation.
public final class OCILayout: Sendable {
  public let root: URL
  /// Serializes read-modify-write of `index.json`.
  private let indexLock = Mutex(())

  public static let layoutVersion = "1.0.0"

  private init(root: URL) { self.root = root }

  /// Opens the layout at `root`, creating `oci-layout`, an empty `index.json` and `blobs/sha256` where
  /// missing.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.fileIO`) when the directory cannot be created, or (`.invalidArgument`) when
  /// `oci-layout` names another layout version.
  public static func openOrCreate(at root: URL) throws(RegistryError) -> OCILayout {
    let layout = OCILayout(root: root)
    let manager = FileManager.default
    do {
      try manager.createDirectory(at: layout.blobsDirectory, withIntermediateDirectories: true)
      let marker = root.appendingPathComponent("oci-layout")
      if !manager.fileExists(atPath: marker.path) {
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: marker, options: .atomic)
      }
      if !manager.fileExists(atPath: layout.indexURL.path) {
        try layout.writeIndex([])
      }
    } catch let error as RegistryError {
      throw error
    } catch {
      throw RegistryError(
        .fileIO, "cannot create the OCI layout at \(root.path): \(error.localizedDescription)", cause: error)
    }
    try layout.checkMarker()
    return layout
  }

  /// Opens an existing layout.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.invalidArgument`) when `root` holds no `oci-layout` of version 1.0.0.
  public static func open(at root: URL) throws(RegistryError) -> OCILayout {
    let layout = OCILayout(root: root)
    try layout.checkMarker()
    return layout
  }

  private func checkMarker() throws(RegistryError) {
    let marker = root.appendingPathComponent("oci-layout")
    guard let data = try? Data(contentsOf: marker), let json = try? JSONValue(parsing: Array(data)) else {
      throw RegistryError(.invalidArgument, "\(root.path) is not an OCI image layout (no readable oci-layout file)")
    }
    guard json["imageLayoutVersion"]?.stringValue == Self.layoutVersion else {
      throw RegistryError(
        .invalidArgument,
        "\(root.path): unsupported OCI layout version \(json["imageLayoutVersion"]?.description ?? "none") (expected 1.0.0)"
      )
    }
  }

  var blobsDirectory: URL { root.appendingPathComponent("blobs/sha256") }
  var indexURL: URL { root.appendingPathComponent("index.json") }

  /// Where the blob `digest` is (or would be) stored.
  public func blobURL(_ digest: Digest) -> URL {
    root.appendingPathComponent("blobs/\(digest.algorithm)/\(digest.hex)")
  }

  /// Whether the blob is stored with the expected size (its content is checked by ``verifyBlob(_:)``).
  public func hasBlob(_ digest: Digest, size: Int64? = nil) -> Bool {
    guard let actual = FileDigest.size(of: blobURL(digest)) else { return false }
    return size.map { $0 == actual } ?? true
  }

  /// Whether the stored blob's SHA-256 is its digest.
  public func verifyBlob(_ digest: Digest) async throws(RegistryError) -> Bool {
    try await FileDigest.sha256(of: blobURL(digest)).digest == digest
  }

  /// Stores `bytes` (a manifest or config) and returns its digest; an existing copy is kept.
  @discardableResult
  public func addBlob(_ bytes: [UInt8]) throws(RegistryError) -> Digest {
    let digest = Digest.sha256(bytes)
    if hasBlob(digest, size: Int64(bytes.count)) { return digest }
    let temporary = temporaryURL()
    do {
      try Data(bytes).write(to: temporary)
      try place(temporary, as: digest)
    } catch let error as RegistryError {
      throw error
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw RegistryError(
        .fileIO, "cannot write blob \(digest) into \(root.path): \(error.localizedDescription)", cause: error)
    }
    return digest
  }

  /// Moves (or, with `copy`, copies) the file at `file` into the layout as a blob, computing its digest on
  /// the way; with `expected`, a different digest is refused and nothing is stored.
  ///
  /// #### Errors
  /// ``RegistryError`` `.digestMismatch` when the content is not `expected`; `.fileIO` on I/O failure.
  @discardableResult
  public func addBlob(fromFile file: URL, expected: Digest? = nil, copy: Bool = false) async throws(RegistryError)
    -> (digest: Digest, size: Int64)
  {
    let (digest, size) = try await FileDigest.sha256(of: file)
    if let expected, expected != digest {
      throw RegistryError(
        .digestMismatch,
        "the content of \(file.path) has digest \(digest), not the expected \(expected); it was not stored")
    }
    if hasBlob(digest, size: size) {
      if !copy { try? FileManager.default.removeItem(at: file) }
      return (digest, size)
    }
    let temporary = temporaryURL()
    do {
      if copy {
        try FileManager.default.copyItem(at: file, to: temporary)
      } else {
        try FileManager.default.moveItem(at: file, to: temporary)
      }
      try place(temporary, as: digest)
    } catch let error as RegistryError {
      throw error
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw RegistryError(
        .fileIO, "cannot store \(file.path) as blob \(digest): \(error.localizedDescription)", cause: error)
    }
    return (digest, size)
  }

  /// A fresh temporary path inside the layout (same file system, so a rename puts it in place).
  public func temporaryURL(suffix: String = "tmp") -> URL {
    blobsDirectory.appendingPathComponent(".\(UUID().uuidString).\(suffix)")
  }

  /// Where a download of `digest` collects its bytes until it is verified (kept across runs, for resuming).
  public func partialURL(_ digest: Digest) -> URL {
    blobsDirectory.appendingPathComponent(".\(digest.hex).partial")
  }

  /// Renames a verified temporary file to its digest's path.
  func place(_ temporary: URL, as digest: Digest) throws(RegistryError) {
    let target = blobURL(digest)
    do {
      try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
      if rename(temporary.path, target.path) != 0 {
        let code = errno
        throw RegistryError(.fileIO, "cannot move a blob into \(target.path): \(String(cString: strerror(code)))")
      }
    } catch let error as RegistryError {
      throw error
    } catch {
      throw RegistryError(
        .fileIO, "cannot create \(target.deletingLastPathComponent().path): \(error.localizedDescription)")
    }
  }

  /// The bytes of a stored blob (for manifests and configs; layers are streamed from ``blobURL(_:)``).
  public func readBlob(_ digest: Digest) throws(RegistryError) -> [UInt8] {
    do {
      return Array(try Data(contentsOf: blobURL(digest)))
    } catch {
      throw RegistryError(
        .fileIO, "blob \(digest) is missing from the OCI layout \(root.path); pull the image again", cause: error)
    }
  }

  /// The stored manifest for `descriptor`, its digest checked.
  public func manifest(_ descriptor: Descriptor) throws(RegistryError) -> Manifest {
    let bytes = try readBlob(descriptor.digest)
    let manifest = try Manifest(
      bytes: bytes, mediaType: descriptor.mediaType, context: "\(root.path) \(descriptor.digest)")
    guard manifest.digest == descriptor.digest else {
      throw RegistryError(
        .digestMismatch,
        "manifest \(descriptor.digest) in \(root.path) is corrupt (its content hashes to \(manifest.digest))")
    }
    return manifest
  }

  // MARK: - index.json

  /// The descriptors listed in `index.json`.
  public func entries() throws(RegistryError) -> [Descriptor] {
    let json: JSONValue
    do {
      json = try JSONValue(parsing: Array(try Data(contentsOf: indexURL)))
    } catch {
      throw RegistryError(.fileIO, "cannot read \(indexURL.path): \(error)", cause: error)
    }
    var result: [Descriptor] = []
    for entry in json["manifests"]?.arrayValue ?? [] {
      result.append(try Descriptor(json: entry, context: indexURL.path))
    }
    return result
  }

  /// The image named `name` (`org.opencontainers.image.ref.name`), if any.
  public func entry(named name: String) throws(RegistryError) -> Descriptor? {
    try entries().first { $0.annotations[Descriptor.refNameAnnotation] == name }
  }

  /// The names of the images in `index.json`, in order.
  public func referenceNames() throws(RegistryError) -> [String] {
    try entries().compactMap { $0.annotations[Descriptor.refNameAnnotation] }
  }

  /// Names `descriptor` as `name` in `index.json`, replacing an entry of the same name.
  public func setEntry(_ descriptor: Descriptor, named name: String) throws(RegistryError) {
    try indexLock.withLock { _ throws(RegistryError) in
      var entries = try entries().filter { $0.annotations[Descriptor.refNameAnnotation] != name }
      var named = descriptor
      named.annotations[Descriptor.refNameAnnotation] = name
      entries.append(named)
      try writeIndex(entries)
    }
  }

  private func writeIndex(_ entries: [Descriptor]) throws(RegistryError) {
    let index: JSONValue = [
      "schemaVersion": 2, "mediaType": .string(MediaType.ociIndex), "manifests": .array(entries.map(\.json)),
    ]
    do {
      try Data(index.serializedBytes()).write(to: indexURL, options: .atomic)
    } catch {
      throw RegistryError(.fileIO, "cannot write \(indexURL.path): \(error.localizedDescription)", cause: error)
    }
  }
}
