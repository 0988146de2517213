import Archive
import Foundation
import Registry
import ServestackCore
import Synchronization

/// Writes an uncompressed bundle tarball with every byte written once: the archive's layout is known before
/// anything is downloaded (every entry's path and size are, from the manifests), so each entry gets a fixed
/// offset, its header is written there, and each remote blob is downloaded straight into its place,
/// `parallel` at a time, hashed as it arrives (``RegistryClient/downloadBlob(repository:digest:size:into:at:progress:)``).
/// The entries keep the bundle's order (manifests and configs first, for `bundle inspect`), whatever order
/// the downloads finish in.
///
/// The unfinished tarball is the resumable store: `.<name>.partial` next to the output plus its
/// ``BundlePartialJournal``. A run that stops (killed, a registry failure) leaves both; the next run with
/// the same layout re-hashes the blobs the journal lists, keeps those that are whole, and downloads only the
/// rest. On success the tarball is renamed to the output and the journal removed.
struct BundleTarAssembler: Sendable {
  let entries: [BundleEntry]
  let output: URL
  let clients: RegistryClients
  let parallel: Int
  let signingKey: BundleSigningKey?
  let progress: BundleProgressHandler?

  struct Assembled: Sendable {
    var checksums: BundleChecksums
    var archiveBytes: Int64
    var blobsDownloaded: Int
    var bytesDownloaded: Int64
    /// Remote blobs an earlier, interrupted run had already written whole.
    var blobsKept: Int
  }

  /// Where each entry lies in the tarball.
  struct Placed: Sendable {
    var entry: BundleEntry
    var header: [UInt8]
    var headerOffset: Int64
    var size: Int64
    var dataOffset: Int64 { headerOffset + Int64(header.count) }
  }

  var partialURL: URL {
    output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial")
  }
  var journalURL: URL { partialURL.appendingPathExtension("journal") }

  func assemble() async throws(BundleError) -> Assembled {
    let (placed, tail) = try Self.place(entries)
    var fingerprint = SHA256Stream()
    for item in placed { fingerprint.update(Array("\(item.entry.path) \(item.size)\n".utf8)) }
    let layout = fingerprint.finalize()
    let recorded = BundlePartialJournal.recorded(at: journalURL, fingerprint: layout)
    let partial = partialURL
    let file: BundleTarFile
    let local: [String: Digest]
    let kept: [String]
    do {
      (file, local, kept) = try await BlockingExecutor.shared.run {
        () throws -> (BundleTarFile, [String: Digest], [String]) in
        let file = try BundleTarFile(partial, fresh: recorded.isEmpty, size: tail)
        let local = try file.writeFixedPart(placed, progress: progress)
        let kept = file.stillWhole(placed, recorded: recorded)
        return (file, local, kept)
      }
    } catch {
      throw BundleError.wrap(error, .io, "cannot write the bundle \(partial.path)")
    }
    let journal = try BundlePartialJournal(at: journalURL, fingerprint: layout, kept: kept)
    let keptSet = Set(kept)
    let downloads = placed.filter {
      if case .remote(let path, _, _) = $0.entry { !keptSet.contains(path) } else { false }
    }
    let bytes = try await download(downloads, into: partial, journal: journal)
    var checksums = BundleChecksums()
    for item in placed {
      switch item.entry {
      case .remote(let path, let descriptor, _): checksums.digests[path] = descriptor.digest
      case .bytes(let path, _), .file(let path, _, _): checksums.digests[path] = local[path]
      }
    }
    let checksumBytes = checksums.bytes
    let signature: [UInt8]? =
      if let signingKey { Array(try signingKey.signature(for: checksumBytes).utf8) } else { nil }
    let archiveBytes: Int64
    do {
      archiveBytes = try await BlockingExecutor.shared.run { () throws -> Int64 in
        try file.finish(at: tail, checksums: checksumBytes, signature: signature)
      }
    } catch {
      throw BundleError.wrap(error, .io, "cannot finish the bundle \(partial.path)")
    }
    if rename(partial.path, output.path) != 0 {
      throw BundleError(.io, "cannot move the finished bundle to \(output.path): \(String(cString: strerror(errno)))")
    }
    try? FileManager.default.removeItem(at: journalURL)
    return Assembled(
      checksums: checksums, archiveBytes: archiveBytes, blobsDownloaded: downloads.count, bytesDownloaded: bytes,
      blobsKept: kept.count)
  }

  /// Headers and offsets of every entry; the offset where checksums.txt goes.
  static func place(_ entries: [BundleEntry]) throws(BundleError) -> ([Placed], Int64) {
    var placed: [Placed] = []
    var offset: Int64 = 0
    for entry in entries {
      let size = entry.size
      let header: [UInt8]
      do {
        header = try TarHeaderBlock.regularFile(path: entry.path, size: size)
      } catch {
        throw BundleError(.io, "cannot store \(entry.path) in the bundle: \(error.message)", cause: error)
      }
      placed.append(Placed(entry: entry, header: header, headerOffset: offset, size: size))
      offset += Int64(header.count) + size + TarHeaderBlock.padding(size)
    }
    return (placed, offset)
  }

  /// Downloads `items` into their places, `parallel` at a time; returns the bytes received.
  private func download(_ items: [Placed], into partial: URL, journal: BundlePartialJournal) async throws(BundleError)
    -> Int64
  {
    guard !items.isEmpty else { return 0 }
    let total = items.reduce(0) { $0 + $1.size }
    let tally = Mutex((bytes: [String: Int64](), done: 0, received: Int64(0)))
    let progress = self.progress
    let report: @Sendable (String, Int64, Bool) -> Void = { path, bytes, finished in
      let snapshot = tally.withLock { state in
        state.bytes[path] = bytes
        if finished {
          state.done += 1
          state.received += bytes
        }
        return (state.bytes.values.reduce(0, +), state.done)
      }
      progress?(
        BundleProgress(
          stage: .downloading, bytesDone: snapshot.0, bytesTotal: total, itemsDone: snapshot.1, itemsTotal: items.count)
      )
    }
    do {
      _ = try await concurrentMap(items, limit: parallel) { item in
        guard case .remote(let path, let blob, let source) = item.entry else { return false }
        let (client, pull) = try self.clients.source(for: source)
        let received = try await client.downloadBlob(
          repository: pull.repository, digest: blob.digest, size: blob.size, into: partial, at: item.dataOffset
        ) { bytes in report(path, bytes, false) }
        try await BlockingExecutor.shared.run { () throws in try journal.append(path) }
        report(path, received, true)
        return true
      }
    } catch {
      let done = tally.withLock { $0.done }
      throw BundleError.wrap(
        error, .registry,
        "downloading blobs stopped after \(done) of \(items.count) (finished blobs stay in \(partial.path); run the "
          + "same command again to resume)")
    }
    return tally.withLock { $0.received }
  }
}
