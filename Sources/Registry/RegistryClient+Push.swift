public import Foundation
import HTTP
public import ServestackCore
import Synchronization

extension RegistryClient {
  /// How a blob got into the target repository.
  public enum BlobPushOutcome: Sendable, Equatable {
    /// It was already there (HEAD 200): nothing sent.
    case present
    /// Mounted from another repository of the same registry (201): nothing sent.
    case mounted(from: String)
    /// Uploaded in one PUT.
    case uploadedMonolithic
    /// Uploaded in this many PATCH chunks.
    case uploadedChunked(chunks: Int)

    public var uploaded: Bool {
      switch self {
      case .uploadedMonolithic, .uploadedChunked: true
      default: false
      }
    }
  }

  /// Whether `repository` holds blob `digest` (blobs are per repository: another repository's copy does
  /// not count).
  ///
  /// #### Errors
  /// ``RegistryError`` for statuses other than 200 and 404, and transport failures.
  public func blobExists(repository: String, digest: Digest) async throws(RegistryError) -> Bool {
    let response = try await send(
      HTTPRequest(method: .head, url: url(repository, "blobs/\(digest)")), scope: .push(repository),
      what: "checking blob \(digest)")
    switch response.status {
    case 200:
      rememberBlob(digest, in: repository)
      return true
    case 404: return false
    default: throw statusError(response, repository: repository, what: "checking blob \(digest)")
    }
  }

  /// Pushes one blob from a file: nothing when the repository has it, a cross-repository mount when a
  /// repository of this registry is known to have it (``mountCandidates``), else an upload (monolithic up
  /// to ``RegistryOptions/monolithicLimit``, chunked above).
  ///
  /// #### Errors
  /// ``RegistryError`` naming the blob, repository and what the registry said.
  public func pushBlob(
    repository: String, file: URL, digest: Digest, size: Int64, mountFrom: [String] = [],
    progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws(RegistryError) -> BlobPushOutcome {
    try await pushBlob(
      repository: repository, from: BlobLocation(file: file, length: size), digest: digest, mountFrom: mountFrom,
      progress: progress)
  }

  /// Pushes one blob from a byte range of a file (see ``BlobLocation``), as
  /// ``pushBlob(repository:file:digest:size:mountFrom:progress:)`` does. An upload is hashed while it is
  /// sent: when the bytes do not hash to `digest`, the request that would send the last byte is stopped
  /// before it, nothing is stored, and the error is `.corruptSource` naming the blob's location. Blobs the
  /// repository has, or that are mounted, are not read at all.
  ///
  /// #### Errors
  /// ``RegistryError`` `.corruptSource`; others naming the blob, repository and what the registry said.
  public func pushBlob(
    repository: String, from location: BlobLocation, digest: Digest, mountFrom: [String] = [],
    progress: (@Sendable (Int64) -> Void)? = nil
  ) async throws(RegistryError) -> BlobPushOutcome {
    let size = location.length
    if try await blobExists(repository: repository, digest: digest) { return .present }
    var session: String?
    var candidates: [String] = []
    for source in mountFrom + knownLocations(of: digest) where source != repository && !candidates.contains(source) {
      candidates.append(source)
    }
    for source in candidates {
      let result: MountResult
      do {
        result = try await mountBlob(repository: repository, digest: digest, from: source)
      } catch  where error.code == .unauthorized || error.code == .denied || error.code == .registryError {
        // No read access to the source (or a registry without mounts): uploading still works.
        continue
      }
      switch result {
      case .mounted:
        rememberBlob(digest, in: repository)
        return .mounted(from: source)
      case .session(let location):
        // The registry fell back to a plain upload session (202): use it rather than leave it dangling.
        session = location
      }
      if session != nil { break }
    }
    let outcome: BlobPushOutcome
    do throws(RegistryError) {
      if size > options.monolithicLimit {
        let chunks = try await uploadChunked(
          repository: repository, location: location, digest: digest, session: session, progress: progress)
        outcome = .uploadedChunked(chunks: chunks)
      } else {
        try await uploadMonolithic(
          repository: repository, location: location, digest: digest, session: session, progress: progress)
        outcome = .uploadedMonolithic
      }
    } catch  where error.code == .corruptSource {
      throw RegistryError(
        .corruptSource,
        "\(location.name) does not hash to \(digest), the digest that names it: it is corrupt, and its upload to "
          + "\(registry)/\(repository) was stopped before the last byte, so nothing was stored",
        cause: error)
    }
    rememberBlob(digest, in: repository)
    return outcome
  }

  /// What a mount request gave.
  public enum MountResult: Sendable, Equatable {
    /// 201: the blob is now in the repository.
    case mounted
    /// 202: the registry opened an upload session instead (`Location`).
    case session(String)
  }

  /// `POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<source>`.
  ///
  /// #### Errors
  /// ``RegistryError`` for statuses other than 201 and 202.
  public func mountBlob(repository: String, digest: Digest, from source: String) async throws(RegistryError)
    -> MountResult
  {
    let encodedSource =
      source.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? source
    var request = HTTPRequest(
      method: .post, url: url(repository, "blobs/uploads/?mount=\(digest)&from=\(encodedSource)"), body: .empty)
    request.safeToRepeat = true  // a repeated mount mounts the same blob, or opens one more session
    let response = try await send(
      request, scope: .mount(repository, from: source), what: "mounting blob \(digest) from \(source)")
    switch response.status {
    case 201: return .mounted
    case 202:
      guard let location = response.headers["Location"] else {
        throw RegistryError(.protocolError, "\(registry) answered a mount with 202 but no Location header")
      }
      return .session(resolveLocation(location))
    default:
      throw statusError(response, repository: repository, what: "mounting blob \(digest) from \(source)")
    }
  }

  /// Starts an upload session: its `Location`.
  func startUpload(repository: String, digest: Digest) async throws(RegistryError) -> String {
    var request = HTTPRequest(method: .post, url: url(repository, "blobs/uploads/"), body: .empty)
    request.safeToRepeat = true  // a repeat opens one more session; the unused one expires on the registry
    let response = try await send(request, scope: .push(repository), what: "starting the upload of blob \(digest)")
    guard response.status == 202, let location = response.headers["Location"] else {
      if response.status == 202 {
        throw RegistryError(.protocolError, "\(registry) opened an upload session without a Location header")
      }
      throw statusError(response, repository: repository, what: "starting the upload of blob \(digest)")
    }
    return resolveLocation(location)
  }

  /// POST, then PUT of the whole file with `?digest=` (a POST with `?digest=` and a body is not supported
  /// by registry v2.8: it opens a session and drops the body).
  func uploadMonolithic(
    repository: String, location blob: BlobLocation, digest: Digest, session: String?,
    progress: (@Sendable (Int64) -> Void)?
  ) async throws(RegistryError) {
    let location: String
    if let session {
      location = session
    } else {
      location = try await startUpload(repository: repository, digest: digest)
    }
    var request = HTTPRequest(
      method: .put, url: Self.appendingDigest(location, digest),
      body: .fileRange(blob.file, offset: blob.offset, length: blob.length))
    request.headers.set("Content-Type", "application/octet-stream")
    request.bodyDigestCheck = BodyDigestCheck(expected: digest, totalLength: blob.length)
    request.progress = progress.map { report in { @Sendable p in report(p.bytesSent) } }
    let response = try await send(request, scope: .push(repository), what: "uploading blob \(digest)")
    try checkBlobCreated(response, repository: repository, digest: digest)
  }

  /// POST, PATCH chunks read from the file, then PUT `?digest=` with no body. The offset comes from each
  /// answer's `Range` header (v2.8 ignores `Content-Range` and appends), and each request goes to the
  /// newest `Location`. Returns the number of PATCH requests. The chunks are hashed as one stream, so the
  /// last one is stopped before its last byte when the whole does not hash to `digest` — unless the
  /// registry kept less than a chunk sent, when the registry's own check on the final PUT is what is left.
  func uploadChunked(
    repository: String, location blob: BlobLocation, digest: Digest, session: String?,
    progress: (@Sendable (Int64) -> Void)?
  ) async throws(RegistryError) -> Int {
    let size = blob.length
    var check: BodyDigestCheck? = BodyDigestCheck(expected: digest, totalLength: size)
    var location: String
    if let session {
      location = session
    } else {
      location = try await startUpload(repository: repository, digest: digest)
    }
    var offset: Int64 = 0
    var chunks = 0
    let chunkSize = max(options.chunkSize, 1)
    while offset < size {
      let length = min(chunkSize, size - offset)
      var request = HTTPRequest(
        method: .patch, url: location, body: .fileRange(blob.file, offset: blob.offset + offset, length: length))
      request.headers.set("Content-Type", "application/octet-stream")
      request.bodyDigestCheck = check
      request.headers.set("Content-Range", "\(offset)-\(offset + length - 1)")
      let start = offset
      request.progress = progress.map { report in { @Sendable p in report(start + p.bytesSent) } }
      let response = try await send(request, scope: .push(repository), what: "uploading a chunk of blob \(digest)")
      guard response.status == 202 else {
        throw statusError(response, repository: repository, what: "uploading a chunk of blob \(digest)")
      }
      chunks += 1
      if let newLocation = response.headers["Location"] { location = resolveLocation(newLocation) }
      guard let range = response.headers["Range"], let end = Self.rangeEnd(range) else {
        throw RegistryError(
          .protocolError,
          "\(registry) accepted a chunk of blob \(digest) without saying how much it holds (no Range header)")
      }
      let held = end + 1
      guard held > offset, held <= size else {
        throw RegistryError(
          .protocolError,
          "\(registry) says it holds \(held) bytes of blob \(digest) after a chunk ending at \(offset + length) of \(size)"
        )
      }
      if held != offset + length { check = nil }
      offset = held
    }
    var request = HTTPRequest(method: .put, url: Self.appendingDigest(location, digest), body: .empty)
    request.headers.set("Content-Type", "application/octet-stream")
    let response = try await send(request, scope: .push(repository), what: "completing the upload of blob \(digest)")
    try checkBlobCreated(response, repository: repository, digest: digest)
    return chunks
  }

  private func checkBlobCreated(_ response: HTTPResponse, repository: String, digest: Digest) throws(RegistryError) {
    guard response.status == 201 else {
      throw statusError(response, repository: repository, what: "uploading blob \(digest)")
    }
    if let header = response.headers["Docker-Content-Digest"], let stored = try? Digest(header), stored != digest {
      throw RegistryError(
        .digestMismatch, "\(registry)/\(repository) stored the upload of blob \(digest) under \(stored); push again")
    }
  }

  /// PUTs a manifest's exact bytes under `reference` (a tag or its digest) with its media type as
  /// `Content-Type`, and checks the `Docker-Content-Digest` the registry answers.
  ///
  /// #### Errors
  /// ``RegistryError``: `.registryError` with `MANIFEST_BLOB_UNKNOWN` when a blob or child is missing from
  /// the repository; `.digestMismatch` when the registry stored other bytes.
  public func putManifest(_ manifest: Manifest, repository: String, reference: String) async throws(RegistryError) {
    var request = HTTPRequest(
      method: .put, url: url(repository, "manifests/\(reference)"), body: .bytes(manifest.bytes))
    request.headers.set("Content-Type", manifest.mediaType)
    let response = try await send(request, scope: .push(repository), what: "pushing manifest \(reference)")
    guard response.status == 201 || response.status == 200 else {
      throw statusError(response, repository: repository, what: "pushing manifest \(reference)")
    }
    if let header = response.headers["Docker-Content-Digest"], let stored = try? Digest(header),
      stored != manifest.digest
    {
      throw RegistryError(
        .digestMismatch,
        "\(registry)/\(repository) stored manifest \(reference) as \(stored), not \(manifest.digest): the registry "
          + "rewrote it, so digest-pinned references would break")
    }
  }

  /// Repositories of this registry known (from earlier pushes, pulls and HEADs) to hold `digest`.
  func knownLocations(of digest: Digest) -> [String] {
    blobLocations.withLock { ($0[digest] ?? []).sorted() }
  }

  static func appendingDigest(_ location: String, _ digest: Digest) -> String {
    location + (location.contains("?") ? "&" : "?") + "digest=\(digest)"
  }

  /// The last byte index of a `Range: 0-N` (or `bytes=0-N`) header.
  static func rangeEnd(_ header: String) -> Int64? {
    let text = header.hasPrefix("bytes=") ? String(header.dropFirst(6)) : header
    guard let dash = text.firstIndex(of: "-") else { return nil }
    return Int64(text[text.index(after: dash)...].trimmingCharacters(in: .whitespaces))
  }
}
