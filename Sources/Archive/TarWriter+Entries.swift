internal import CArchive
public import Foundation

extension TarWriter {
  /// Adds the regular file at `source` as `path`, streamed in 1 MiB chunks (never loaded whole).
  ///
  /// #### Errors
  /// `.io` when the source cannot be read or changes size while it is archived (the writer then fails);
  /// `.absolutePath`, `.parentTraversal`, `.invalidPath`, `.duplicateEntry` for a bad `path`; `.misuse` when
  /// `source` is not a regular file.
  public func addFile(at source: URL, as path: String, mode: UInt32 = 0o644) throws(ArchiveError) {
    try ensureOpen(entry: path)
    let input = open(source.path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw ArchiveError.posix("open", source.path, entryPath: path, archive: url) }
    defer { close(input) }
    var info = stat()
    guard fstat(input, &info) == 0 else { throw ArchiveError.posix("stat", source.path, entryPath: path, archive: url) }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw ArchiveError(.misuse, "\(source.path) is not a regular file", entryPath: path, archive: url)
    }
    let size = Int64(info.st_size)
    let (name, _) = try claim(path)
    _ = posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
    try writeHeader(name: name, type: ss_AE_IFREG, mode: mode, size: size)
    var remaining = size
    while remaining > 0 {
      let want = Int(min(Int64(buffer.count), remaining))
      let n = read(input, buffer.baseAddress, want)
      if n < 0 {
        if errno == EINTR { continue }
        throw fail(ArchiveError.posix("read", source.path, entryPath: name, archive: url))
      }
      guard n > 0 else { throw fail(changed(source, name)) }
      try writeData(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), entry: name)
      remaining -= Int64(n)
    }
    // A file that grew would be cut short silently; refuse instead.
    guard read(input, buffer.baseAddress, 1) == 0 else { throw fail(changed(source, name)) }
    try finishEntry(name)
  }

  /// Adds `bytes` as a regular file at `path`.
  ///
  /// #### Errors
  /// As ``addFile(at:as:mode:)`` for a bad `path`; `.io` when writing fails.
  public func addData(_ bytes: [UInt8], as path: String, mode: UInt32 = 0o644) throws(ArchiveError) {
    let (name, _) = try claim(path)
    try writeHeader(name: name, type: ss_AE_IFREG, mode: mode, size: Int64(bytes.count))
    do {
      try bytes.withUnsafeBytes { try writeData($0, entry: name) }
    } catch {
      throw ArchiveError.wrap(error, archive: url)
    }
    try finishEntry(name)
  }

  /// Adds a regular file at `path` whose `size` bytes `produce` hands over in pieces, e.g. from a download.
  /// `produce` receives a `write` function; it must write exactly `size` bytes.
  ///
  /// #### Errors
  /// `.misuse` when `produce` writes more or fewer than `size` bytes; whatever `produce` throws. Both fail the
  /// writer (the entry is incomplete).
  public func addStream(
    as path: String, size: Int64, mode: UInt32 = 0o644,
    _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
  ) throws {
    let (name, _) = try claim(path)
    try writeHeader(name: name, type: ss_AE_IFREG, mode: mode, size: size)
    var written: Int64 = 0
    do {
      try produce { bytes in
        written += Int64(bytes.count)
        guard written <= size else {
          throw ArchiveError(
            .misuse, "more than the declared \(size) bytes were written", entryPath: name, archive: url)
        }
        try writeData(bytes, entry: name)
      }
    } catch let error as ArchiveError {
      throw fail(error)
    } catch {
      _ = fail(ArchiveError(.io, "producing the entry failed", entryPath: name, archive: url))
      throw error
    }
    guard written == size else {
      throw fail(
        ArchiveError(.misuse, "\(written) bytes were written, not the declared \(size)", entryPath: name, archive: url))
    }
    try finishEntry(name)
  }

  /// Adds a directory entry at `path`. Parent directories are not added implicitly.
  ///
  /// #### Errors
  /// As ``addFile(at:as:mode:)`` for a bad `path`.
  public func addDirectory(_ path: String, mode: UInt32 = 0o755) throws(ArchiveError) {
    let (name, _) = try claim(path)
    try writeHeader(name: name, type: ss_AE_IFDIR, mode: mode, size: 0)
    try finishEntry(name)
  }

  /// Adds a symbolic link at `path` to `target`, which must stay inside the archive (relative, with `..`
  /// only at its start and not climbing above the root), as the extractor requires.
  ///
  /// #### Errors
  /// `.linkOutsideDestination` for a target that could escape; as ``addFile(at:as:mode:)`` for a bad `path`.
  public func addSymlink(_ path: String, target: String) throws(ArchiveError) {
    try ensureOpen(entry: path)
    let components = try EntryPath.components(path, archive: url)
    try EntryPath.checkSymlinkTarget(target, linkComponents: components, entryPath: path, archive: url)
    let (name, _) = try claim(path)
    try writeHeader(name: name, type: ss_AE_IFLNK, mode: 0o777, size: 0, symlink: target)
    try finishEntry(name)
  }

  private func changed(_ source: URL, _ name: String) -> ArchiveError {
    ArchiveError(
      .io, "\(source.path) changed size while it was being archived; archive it again when nothing writes to it",
      entryPath: name, archive: url)
  }
}
