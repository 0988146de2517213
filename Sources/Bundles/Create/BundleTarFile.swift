import Archive
import Foundation
import Registry
import ServestackCore

/// The unfinished tarball of ``BundleTarAssembler``: positional writes of headers and local entries, the
/// check of blobs an earlier run left, and the end (checksums.txt, signature, end of archive). Blocking:
/// run on a ``BlockingExecutor`` thread.
final class BundleTarFile: @unchecked Sendable {
  // @unchecked Sendable: `fd` is set once; every use is a positional read or write of a distinct region.
  let url: URL
  private let fd: Int32

  /// Opens (or creates) the tarball and locks it against a second `bundle create` writing the same output;
  /// `fresh` empties it first. Its size is set to `size` (the end of the last entry), holes where blobs go.
  init(_ url: URL, fresh: Bool, size: Int64) throws(BundleError) {
    self.url = url
    fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0o644)
    guard fd >= 0 else { throw BundleError(.io, "cannot create \(url.path): \(String(cString: strerror(errno)))") }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw BundleError(.io, "another `bundle create` is writing \(url.path); wait for it or stop it")
    }
    guard ftruncate(fd, off_t(size)) == 0 else { throw posix("cannot size") }
  }

  deinit { close(fd) }

  private func posix(_ what: String) -> BundleError {
    BundleError(.io, "\(what) \(url.path): \(String(cString: strerror(errno)))")
  }

  func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(BundleError) {
    var done = 0
    while done < bytes.count, let base = bytes.baseAddress {
      let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw posix("cannot write") }
      done += n
    }
  }

  func write(_ bytes: [UInt8], at offset: Int64) throws(BundleError) {
    let result = bytes.withUnsafeBytes { buffer in Result { () throws(BundleError) in try write(buffer, at: offset) } }
    try result.get()
  }

  /// Writes every header, and the data of every entry that is not a remote blob, hashing that data;
  /// returns the digests by path. A local blob that does not hash to its digest is removed from its layout.
  func writeFixedPart(_ placed: [BundleTarAssembler.Placed], progress: BundleProgressHandler?) throws(BundleError)
    -> [String: Digest]
  {
    var digests: [String: Digest] = [:]
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    for (index, item) in placed.enumerated() {
      try write(item.header, at: item.headerOffset)
      switch item.entry {
      case .remote: continue
      case .bytes(let path, let bytes):
        try write(bytes, at: item.dataOffset)
        digests[path] = Digest.sha256(bytes)
      case .file(let path, let source, let expected):
        let digest = try copy(source, size: item.size, to: item.dataOffset, buffer: buffer)
        try BundleEntry.checkCopied(source, digest: digest, expected: expected)
        digests[path] = digest
        progress?(BundleProgress(stage: .writing, itemsDone: index + 1, itemsTotal: placed.count, current: path))
      }
    }
    return digests
  }

  private func copy(_ source: URL, size: Int64, to offset: Int64, buffer: UnsafeMutableRawBufferPointer)
    throws(BundleError)
    -> Digest
  {
    let input = open(source.path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw BundleError(.io, "cannot open \(source.path): \(String(cString: strerror(errno)))") }
    defer { close(input) }
    _ = posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
    var hasher = SHA256Stream()
    var done: Int64 = 0
    while done < size {
      let n = read(input, buffer.baseAddress, Int(min(Int64(buffer.count), size - done)))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw BundleError(.io, "\(source.path) changed size while it was being packed; run again") }
      let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
      hasher.update(chunk)
      try write(chunk, at: offset + done)
      done += Int64(n)
    }
    return hasher.finalize()
  }

  /// The remote blobs of `recorded` (an earlier run's journal) whose bytes in the tarball still hash right.
  func stillWhole(_ placed: [BundleTarAssembler.Placed], recorded: Set<String>) -> [String] {
    guard !recorded.isEmpty else { return [] }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    var kept: [String] = []
    for item in placed {
      guard case .remote(let path, let blob, _) = item.entry, recorded.contains(path) else { continue }
      var hasher = SHA256Stream()
      var done: Int64 = 0
      while done < item.size {
        let n = pread(
          fd, buffer.baseAddress, Int(min(Int64(buffer.count), item.size - done)), off_t(item.dataOffset + done))
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        done += Int64(n)
      }
      if done == item.size && hasher.finalize() == blob.digest { kept.append(path) }
    }
    return kept
  }

  /// Writes checksums.txt, the signature and the end of the archive after the last entry (at `offset`);
  /// returns the archive's size.
  func finish(at offset: Int64, checksums: [UInt8], signature: [UInt8]?) throws(BundleError) -> Int64 {
    var end = offset
    let files = [(BundleLayout.checksumsFile, checksums)] + (signature.map { [(BundleLayout.signatureFile, $0)] } ?? [])
    for (path, bytes) in files {
      let header: [UInt8]
      do {
        header = try TarHeaderBlock.regularFile(path: path, size: Int64(bytes.count))
      } catch {
        throw BundleError(.io, "cannot store \(path): \(error.message)", cause: error)
      }
      let padded = header + bytes + [UInt8](repeating: 0, count: Int(TarHeaderBlock.padding(Int64(bytes.count))))
      try write(padded, at: end)
      end += Int64(padded.count)
    }
    let trailer = TarHeaderBlock.endOfArchive(at: end)
    try write(trailer, at: end)
    end += Int64(trailer.count)
    guard ftruncate(fd, off_t(end)) == 0 else { throw posix("cannot size") }
    return end
  }
}
