import Foundation
import HTTP
import ServestackCore

extension ManifestFetcher {
  /// The cached file's bytes when it exists and still has the pinned hash; a damaged entry is removed.
  func readCached(_ file: URL, pin: Digest) async -> [UInt8]? {
    await BlockingExecutor.shared.run { () -> [UInt8]? in
      guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
      let bytes = [UInt8](data)
      guard Digest.sha256(bytes) == pin else {
        try? FileManager.default.removeItem(at: file)
        return nil
      }
      return bytes
    }
  }

  func download(url: String, from effective: String, pin: Digest, to cached: URL, source: ManifestSource)
    async throws(PhaseError)
  {
    let directory = options.cacheDirectory
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw PhaseError(
        .io, "cannot create the manifest cache: \(error.localizedDescription)", file: directory.path, cause: error)
    }
    let partial = directory.appendingPathComponent(".partial-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: partial) }
    let named = effective == url ? url : "\(url) (from the mirror as \(effective))"
    var request = HTTPRequest(method: .get, url: effective)
    request.destination = .file(partial)
    request.followRedirects = true
    request.timeout = options.timeout
    let response: HTTPResponse
    do {
      response = try await client.execute(request)
    } catch {
      throw source.source.error(.download, "cannot download \(named): \(error.message)", cause: error)
    }
    guard response.isSuccess else {
      throw source.source.error(
        .download,
        "cannot download \(named): the server answered HTTP \(response.status); check the URL\(options.mirror == nil ? "" : " and that the mirror holds this path")"
      )
    }
    let actual: Digest
    if let digest = response.bodyDigest {
      actual = digest
    } else {
      actual = await BlockingExecutor.shared.run {
        Digest.sha256([UInt8](FileManager.default.contents(atPath: partial.path) ?? Data()))
      }
    }
    guard actual == pin else {
      throw source.source.error(
        .digestMismatch,
        "the manifest \(named) has sha256 \(actual.hex) but the phase pins \(pin.hex); nothing was used or cached. If upstream re-published it, review the new file and update the pin"
      )
    }
    do {
      if FileManager.default.fileExists(atPath: cached.path) { try FileManager.default.removeItem(at: cached) }
      try FileManager.default.moveItem(at: partial, to: cached)
    } catch {
      // Another fetch of the same digest may have won the race; its file is as good as ours.
      guard FileManager.default.fileExists(atPath: cached.path) else {
        throw PhaseError(
          .io, "cannot store the manifest in the cache: \(error.localizedDescription)", file: cached.path, cause: error)
      }
    }
  }

  func read(path: String, pin: Digest?, source: ManifestSource, directory: URL?) async throws(PhaseError)
    -> FetchedManifest
  {
    let url: URL
    if path.hasPrefix("/") {
      url = URL(fileURLWithPath: path)
    } else if let directory {
      url = directory.appendingPathComponent(path).standardizedFileURL
    } else {
      throw source.source.error(
        .io, "manifest path '\(path)' is relative, but this phase has no folder (built-in phases must use url:)")
    }
    let data = await BlockingExecutor.shared.run { FileManager.default.contents(atPath: url.path) }
    guard let data else {
      throw source.source.error(.io, "cannot read the manifest \(url.path); check that the file exists and is readable")
    }
    let bytes = [UInt8](data)
    let actual = Digest.sha256(bytes)
    if let pin, pin != actual {
      throw source.source.error(
        .digestMismatch,
        "the manifest \(url.path) has sha256 \(actual.hex) but the phase pins \(pin.hex); it was not used")
    }
    return FetchedManifest(source: source, bytes: bytes, digest: actual, origin: .file(url))
  }
}
