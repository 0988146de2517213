public import Foundation
import HTTP
public import ServestackCore
import Synchronization

extension RegistryClient {
  /// The `Accept` header of every manifest GET and HEAD (see ``MediaType/manifestTypes``).
  static let manifestAccept = MediaType.manifestTypes.joined(separator: ", ")

  /// Fetches a manifest's exact bytes by tag or digest.
  ///
  /// The digest is computed from the bytes; when `reference` is a digest it must match, and a
  /// `Docker-Content-Digest` header that disagrees with the bytes is refused too.
  ///
  /// #### Errors
  /// ``RegistryError``: `.notFound` for an unknown repository, tag or digest; `.digestMismatch`;
  /// `.invalidManifest`; `.unauthorized`/`.denied`; `.unreachable`/`.tls`.
  public func manifest(repository: String, reference: String) async throws(RegistryError) -> Manifest {
    var request = HTTPRequest(method: .get, url: url(repository, "manifests/\(reference)"))
    request.headers.set("Accept", Self.manifestAccept)
    request.destination = .memory(limit: 8 << 20)
    let what = "manifest \(reference)"
    let response = try await send(request, scope: .pull(repository), what: "getting \(what)")
    guard response.status == 200 else { throw statusError(response, repository: repository, what: what) }
    let context = "\(registry)/\(repository) \(what)"
    let manifest = try Manifest(
      bytes: response.body, mediaType: Self.mediaType(response.headers), context: context)
    if let expected = try? Digest(reference), expected != manifest.digest {
      throw RegistryError(
        .digestMismatch,
        "\(context): the registry sent content with digest \(manifest.digest) for \(expected); the registry's storage "
          + "is corrupt or something altered it in transit. Nothing was stored")
    }
    if let header = response.headers["Docker-Content-Digest"], let claimed = try? Digest(header),
      claimed.algorithm == "sha256", claimed != manifest.digest
    {
      throw RegistryError(
        .digestMismatch,
        "\(context): the registry says the digest is \(claimed) but the bytes it sent hash to \(manifest.digest)")
    }
    return manifest
  }

  /// The manifest `reference` names.
  public func manifest(_ reference: ImageReference) async throws(RegistryError) -> Manifest {
    try await manifest(repository: reference.repository, reference: reference.apiReference)
  }

  /// `HEAD` of a manifest: its descriptor when it exists, nil on 404.
  ///
  /// #### Errors
  /// ``RegistryError`` for any other failure.
  public func manifestDescriptor(repository: String, reference: String) async throws(RegistryError) -> Descriptor? {
    try await manifestDescriptor(repository: repository, reference: reference, scope: .pull(repository))
  }

  /// The same, with the scope of the operation it is part of (a push checks with its push token).
  func manifestDescriptor(repository: String, reference: String, scope: AuthScope) async throws(RegistryError)
    -> Descriptor?
  {
    var request = HTTPRequest(method: .head, url: url(repository, "manifests/\(reference)"))
    request.headers.set("Accept", Self.manifestAccept)
    let response = try await send(request, scope: scope, what: "checking manifest \(reference)")
    if response.status == 404 { return nil }
    guard response.status == 200 else {
      throw statusError(response, repository: repository, what: "checking manifest \(reference)")
    }
    guard let header = response.headers["Docker-Content-Digest"], let digest = try? Digest(header) else {
      // Without a digest the HEAD proves nothing about the content: treat as unknown.
      return nil
    }
    let size = response.headers["Content-Length"].flatMap { Int64($0) } ?? 0
    return Descriptor(mediaType: Self.mediaType(response.headers) ?? "", digest: digest, size: size)
  }

  /// The image manifest for `platform`: the manifest itself when `reference` names a single image, the
  /// matching child when it names an index.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.notFound`) when the index has no image for the platform, listing those it has.
  public func imageManifest(_ reference: ImageReference, platform: Platform) async throws(RegistryError) -> Manifest {
    let top = try await manifest(reference)
    guard top.isIndex else { return top }
    guard let child = top.children(for: [platform]).first else {
      let available = top.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
      throw RegistryError(
        .notFound, "\(reference) has no image for \(platform) (it has: \(available.isEmpty ? "none" : available))")
    }
    return try await manifest(repository: reference.repository, reference: child.digest.description)
  }

  /// Tags of a repository.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.notFound`) for an unknown repository.
  public func tags(repository: String) async throws(RegistryError) -> [String] {
    let response = try await send(
      HTTPRequest(method: .get, url: url(repository, "tags/list")), scope: .pull(repository), what: "listing tags")
    guard response.status == 200 else { throw statusError(response, repository: repository, what: "tags") }
    return (try? JSONValue(parsing: response.body))?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
  }

  /// How a blob download went.
  public struct BlobDownload: Sendable, Equatable {
    /// Bytes received in this call.
    public var bytesReceived: Int64
    /// Where a partial download was resumed from (0 for a fresh one).
    public var resumedFrom: Int64
  }

  /// Downloads blob `digest` to `destination`, streaming and verifying it; follows redirects to storage.
  ///
  /// Bytes collect in `partial` (default `destination.partial`) and move to `destination` only once their
  /// digest is right. A `partial` left by an interrupted download is resumed with a `Range` request.
  ///
  /// #### Errors
  /// ``RegistryError``: `.digestMismatch` (the partial file is deleted), `.notFound`, `.fileIO`, transport.
  @discardableResult
  public func downloadBlob(
    repository: String, digest: Digest, size: Int64? = nil, to destination: URL, partial: URL? = nil,
    progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws(RegistryError) -> BlobDownload {
    let partial = partial ?? destination.appendingPathExtension("partial")
    let what = "blob \(digest)"
    let existing = FileDigest.size(of: partial) ?? 0
    var resumedFrom: Int64 = 0
    var received: Int64 = 0
    if existing > 0, size.map({ existing < $0 }) ?? true {
      let piece = partial.appendingPathExtension("range")
      var request = HTTPRequest(method: .get, url: url(repository, "blobs/\(digest)"))
      request.headers.set("Range", "bytes=\(existing)-")
      request.destination = .file(piece)
      request.followRedirects = true
      request.progress = progress.map { report in { @Sendable p in report(existing + p.bytesReceived) } }
      let response = try await send(request, scope: .pull(repository), what: "downloading \(what)")
      defer { try? FileManager.default.removeItem(at: piece) }
      switch response.status {
      case 206:
        try Self.append(piece, to: partial)
        resumedFrom = existing
      case 200:
        // The server ignored the range and sent everything.
        try Self.replace(partial, with: piece)
      case 416:
        // The partial file is already whole (or longer than the blob): verify it below as it is.
        resumedFrom = existing
      default:
        throw statusError(response, repository: repository, what: what)
      }
      received = response.bodyLength
    } else {
      if existing > 0 { try? FileManager.default.removeItem(at: partial) }
      var request = HTTPRequest(method: .get, url: url(repository, "blobs/\(digest)"))
      request.destination = .file(partial)
      request.followRedirects = true
      request.progress = progress.map { report in { @Sendable p in report(p.bytesReceived) } }
      let response = try await send(request, scope: .pull(repository), what: "downloading \(what)")
      guard response.status == 200 else {
        try? FileManager.default.removeItem(at: partial)
        throw statusError(response, repository: repository, what: what)
      }
      received = response.bodyLength
      if let computed = response.bodyDigest, computed != digest {
        try? FileManager.default.removeItem(at: partial)
        throw mismatch(repository: repository, digest: digest, actual: computed)
      }
    }
    if resumedFrom > 0 || received == 0 {
      let (actual, _) = try await FileDigest.sha256(of: partial)
      guard actual == digest else {
        try? FileManager.default.removeItem(at: partial)
        throw mismatch(repository: repository, digest: digest, actual: actual)
      }
    }
    if let size, let actualSize = FileDigest.size(of: partial), actualSize != size {
      try? FileManager.default.removeItem(at: partial)
      throw RegistryError(
        .digestMismatch,
        "\(registry)/\(repository) blob \(digest) has \(actualSize) bytes, not the \(size) its manifest says")
    }
    try? FileManager.default.removeItem(at: destination)
    do {
      try FileManager.default.moveItem(at: partial, to: destination)
    } catch {
      throw RegistryError(
        .fileIO, "cannot move the downloaded \(what) to \(destination.path): \(error.localizedDescription)")
    }
    rememberBlob(digest, in: repository)
    return BlobDownload(bytesReceived: received, resumedFrom: resumedFrom)
  }

  /// Downloads blob `digest` (`size` bytes) straight into `file` at `offset` (a region reserved for it, e.g.
  /// an entry of a tarball being assembled), hashing it as it arrives: the bytes are written once, and the
  /// region holds the blob exactly when this returns. Nothing is resumed: a failed download is fetched whole
  /// again by the next call; the region's content is then undefined.
  ///
  /// #### Errors
  /// ``RegistryError``: `.digestMismatch` (wrong hash or length), `.notFound`, `.fileIO`, transport.
  public func downloadBlob(
    repository: String, digest: Digest, size: Int64, into file: URL, at offset: Int64,
    progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws(RegistryError) -> Int64 {
    let what = "blob \(digest)"
    var request = HTTPRequest(method: .get, url: url(repository, "blobs/\(digest)"))
    request.destination = .fileRegion(file, offset: offset, length: size)
    request.expectedDigest = digest
    request.followRedirects = true
    request.progress = progress.map { report in { @Sendable p in report(p.bytesReceived) } }
    let response = try await send(request, scope: .pull(repository), what: "downloading \(what)")
    guard response.status == 200 else { throw statusError(response, repository: repository, what: what) }
    guard response.bodyLength == size else {
      throw RegistryError(
        .digestMismatch,
        "\(registry)/\(repository) blob \(digest) has \(response.bodyLength) bytes, not the \(size) its manifest says")
    }
    rememberBlob(digest, in: repository)
    return response.bodyLength
  }

  private func mismatch(repository: String, digest: Digest, actual: Digest) -> RegistryError {
    RegistryError(
      .digestMismatch,
      "\(registry)/\(repository) sent blob \(digest) with content hashing to \(actual): the registry's storage is "
        + "corrupt or the content was altered in transit. The download was discarded; fix the source registry")
  }

  static func mediaType(_ headers: HTTPHeaders) -> String? {
    headers["Content-Type"].map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
  }

  static func append(_ piece: URL, to file: URL) throws(RegistryError) {
    do {
      let output = try FileHandle(forWritingTo: file)
      defer { try? output.close() }
      try output.seekToEnd()
      let input = try FileHandle(forReadingFrom: piece)
      defer { try? input.close() }
      while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try output.write(contentsOf: chunk) }
    } catch {
      throw RegistryError(.fileIO, "cannot append a resumed download to \(file.path): \(error.localizedDescription)")
    }
  }

  static func replace(_ file: URL, with piece: URL) throws(RegistryError) {
    do {
      try? FileManager.default.removeItem(at: file)
      try FileManager.default.moveItem(at: piece, to: file)
    } catch {
      throw RegistryError(.fileIO, "cannot move a download to \(file.path): \(error.localizedDescription)")
    }
  }

  /// Notes that `repository` holds `digest` (a later push to another repository may mount it from there).
  func rememberBlob(_ digest: Digest, in repository: String) {
    blobLocations.withLock { _ = $0[digest, default: []].insert(repository) }
  }
}
