internal import CArchive
public import Foundation

/// Writes a tar archive (pax restricted: plain ustar headers, pax headers only where ustar cannot say it,
/// e.g. long names or sizes over 8 GiB), optionally gzip or zstd compressed, streaming every entry.
///
/// The output is deterministic: every entry has the same modification time (0 unless given), uid/gid 0
/// and no user or group names; gzip carries no timestamp. The same calls give the same bytes.
///
/// A writer is used from one thread. Call ``finish()`` at the end: a writer dropped without finishing, or
/// after an error while writing an entry, deletes its partial output.
public final class TarWriter {
  /// The archive being written.
  public let url: URL
  public let compression: TarCompression
  /// Entries written so far.
  public private(set) var entryCount = 0
  /// Entry data bytes written so far (before compression).
  public private(set) var contentBytes: Int64 = 0

  let handle: OpaquePointer
  let buffer: UnsafeMutableRawBufferPointer
  private let fd: Int32
  private let mtime: Int
  private var paths = Set<String>()
  private var state = State.open
  private var fdOpen = true

  private enum State { case open, finished, failed }

  /// Creates (or truncates) `path` and starts an archive in it.
  ///
  /// - Parameters:
  ///   - compressionLevel: gzip 1–9 (default 6) or zstd 1–22 (default 3); ignored for `.none`.
  ///   - modificationTime: the time stamped on every entry, whole seconds.
  /// #### Errors
  /// `.io` when the file cannot be created; `.misuse` for a compression level out of range.
  public init(
    path: URL, compression: TarCompression, compressionLevel: Int? = nil,
    modificationTime: Date = Date(timeIntervalSince1970: 0)
  ) throws(ArchiveError) {
    if let level = compressionLevel {
      let range = compression == .zstd ? 1...22 : 1...9
      guard compression == .none || range.contains(level) else {
        throw ArchiveError(
          .misuse, "compression level \(level) is out of range \(range) for \(compression.rawValue)", archive: path)
      }
    }
    guard let handle = archive_write_new() else {
      throw ArchiveError(.io, "libarchive could not allocate a writer (out of memory?)", archive: path)
    }
    let fd = open(path.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      archive_write_free(handle)
      throw ArchiveError.posix("create the archive", path.path, archive: path)
    }
    self.url = path
    self.compression = compression
    self.handle = handle
    self.fd = fd
    self.mtime = Int(modificationTime.timeIntervalSince1970.rounded(.down))
    self.buffer = .allocate(byteCount: TarReader.chunkSize, alignment: 16)
    do {
      try configure(level: compressionLevel)
    } catch {
      state = .failed
      throw error
    }
  }

  private func configure(level: Int?) throws(ArchiveError) {
    try check(archive_write_set_format_pax_restricted(handle), "selecting the pax format", entry: nil)
    switch compression {
    case .none: break
    case .gzip:
      try check(archive_write_add_filter_gzip(handle), "adding gzip", entry: nil)
      // A NULL value turns the option off: no creation time in the gzip header, for reproducible bytes.
      try check(
        archive_write_set_filter_option(handle, "gzip", "timestamp", nil), "disabling gzip timestamps", entry: nil)
    case .zstd:
      try check(archive_write_add_filter_zstd(handle), "adding zstd", entry: nil)
    }
    if let level, compression != .none {
      try check(
        archive_write_set_filter_option(handle, nil, "compression-level", String(level)), "setting the level",
        entry: nil)
    }
    try check(archive_write_open_fd(handle, fd), "opening the output", entry: nil)
  }

  deinit {
    if state != .finished {
      // Mark the archive failed so that freeing it does not write an end marker after partial data,
      // and remove the file: a half-written archive must not look complete.
      archive_write_fail(handle)
    }
    archive_write_free(handle)
    if fdOpen { close(fd) }
    if state != .finished { unlink(url.path) }
    buffer.deallocate()
  }

  /// Compressed bytes written to the file so far.
  public var bytesWritten: Int64 { archive_filter_bytes(handle, -1) }

  /// Writes the end of the archive, flushes the compressor and closes the file.
  ///
  /// #### Errors
  /// `.io` when the last writes fail (the file is then deleted); `.misuse` after an earlier failure.
  public func finish() throws(ArchiveError) {
    try ensureOpen(entry: nil)
    guard archive_write_close(handle) == ARCHIVE_OK else {
      throw fail(LibArchive.writeFailure(handle, "finishing", entryPath: nil, archive: url))
    }
    fdOpen = false
    guard close(fd) == 0 else {
      state = .failed
      throw ArchiveError.posix("close", url.path, archive: url)
    }
    state = .finished
  }

  // MARK: - Shared by the entry writers

  func ensureOpen(entry: String?) throws(ArchiveError) {
    switch state {
    case .open: return
    case .finished:
      throw ArchiveError(.misuse, "the archive was already finished", entryPath: entry, archive: url)
    case .failed:
      throw ArchiveError(.misuse, "an earlier write to the archive failed", entryPath: entry, archive: url)
    }
  }

  /// Marks the writer failed (its output is deleted when it is dropped) and returns `error`.
  func fail(_ error: ArchiveError) -> ArchiveError {
    state = .failed
    return error
  }

  private func check(_ status: Int32, _ doing: String, entry: String?) throws(ArchiveError) {
    guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
      throw fail(LibArchive.writeFailure(handle, doing, entryPath: entry, archive: url))
    }
  }

  /// Validates `path` and claims it; returns the normalised name to store.
  func claim(_ path: String) throws(ArchiveError) -> (name: String, components: [String]) {
    try ensureOpen(entry: path)
    let components = try EntryPath.components(path, archive: url)
    guard !components.isEmpty else {
      throw ArchiveError(.invalidPath, "the entry names no file (only '.' or '/')", entryPath: path, archive: url)
    }
    let name = components.joined(separator: "/")
    guard paths.insert(name).inserted else {
      throw ArchiveError(
        .duplicateEntry, "the archive already has an entry with this path", entryPath: path, archive: url)
    }
    return (name, components)
  }

  /// Writes one header. `type` is one of the `ss_AE_IF*` constants.
  func writeHeader(
    name: String, type: UInt32, mode: UInt32, size: Int64, symlink: String? = nil
  ) throws(ArchiveError) {
    guard let entry = archive_entry_new() else {
      throw fail(ArchiveError(.io, "libarchive could not allocate an entry", entryPath: name, archive: url))
    }
    defer { archive_entry_free(entry) }
    archive_entry_set_pathname_utf8(entry, name)
    archive_entry_set_filetype(entry, type)
    archive_entry_set_perm(entry, mode_t(mode & 0o7777))
    archive_entry_set_size(entry, size)
    archive_entry_set_mtime(entry, mtime, 0)
    archive_entry_set_uid(entry, 0)
    archive_entry_set_gid(entry, 0)
    if let symlink { archive_entry_set_symlink_utf8(entry, symlink) }
    try check(archive_write_header(handle, entry), "writing the header", entry: name)
    entryCount += 1
  }

  /// Writes all of `bytes` as data of the current entry.
  func writeData(_ bytes: UnsafeRawBufferPointer, entry: String) throws(ArchiveError) {
    var offset = 0
    while offset < bytes.count {
      let n = archive_write_data(handle, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
      guard n > 0 else { throw fail(LibArchive.writeFailure(handle, "writing data", entryPath: entry, archive: url)) }
      offset += n
    }
    contentBytes += Int64(bytes.count)
  }

  func finishEntry(_ name: String) throws(ArchiveError) {
    try check(archive_write_finish_entry(handle), "finishing the entry", entry: name)
  }
}
