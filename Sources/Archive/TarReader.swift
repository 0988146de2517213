internal import CArchive
public import Foundation

/// Reads a tar archive (plain, gzip or zstd; ustar, pax and GNU formats) one entry at a time, streaming
/// each entry's data in chunks, and checking every header against ``ArchiveLimits``.
///
/// A reader is used from one thread. Call ``next()`` for each entry; read its data with ``readData(_:)``
/// or ``skipData()`` (``next()`` skips unread data by itself).
public final class TarReader {
  /// The archive being read.
  public let url: URL
  public let limits: ArchiveLimits
  /// The compression found from the file's first bytes.
  public let compression: TarCompression
  /// Entries returned so far.
  public private(set) var entryCount = 0
  /// Sum of the data sizes declared by the headers returned so far.
  public private(set) var declaredBytes: Int64 = 0

  private let handle: OpaquePointer
  private let fd: Int32
  private let buffer: UnsafeMutableRawBufferPointer
  private let cancellation: CancellationFlag?
  private var current: TarEntry?
  private var dataPending = false
  private var atEnd = false
  private var failure: ArchiveError?
  /// Where the current entry's data starts in the file, for an uncompressed archive and a non-sparse entry.
  private(set) var currentDataOffset: Int64?

  static let chunkSize = 1 << 20

  /// Opens `path` for reading.
  ///
  /// #### Errors
  /// `.io` when the file cannot be opened; `.unsupportedFormat` for a compression other than gzip or
  /// zstd; `.corrupt` when libarchive cannot start reading it.
  public convenience init(path: URL, limits: ArchiveLimits = .init()) throws(ArchiveError) {
    try self.init(path: path, limits: limits, cancellation: nil)
  }

  init(path: URL, limits: ArchiveLimits, cancellation: CancellationFlag?) throws(ArchiveError) {
    let fd = open(path.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ArchiveError.posix("open the archive", path.path, archive: path) }
    let compression: TarCompression
    do {
      compression = try TarCompression.detect(fd: fd, url: path)
    } catch {
      close(fd)
      throw error
    }
    guard let handle = archive_read_new() else {
      close(fd)
      throw ArchiveError(.io, "libarchive could not allocate a reader (out of memory?)", archive: path)
    }
    // Only the formats and filters bundles use: less attack surface than support_*_all.
    archive_read_support_format_tar(handle)
    archive_read_support_filter_gzip(handle)
    archive_read_support_filter_zstd(handle)
    guard archive_read_open_fd(handle, fd, 256 << 10) == ARCHIVE_OK else {
      let error = LibArchive.readFailure(handle, "opening it", entryPath: nil, archive: path)
      archive_read_free(handle)
      close(fd)
      throw error
    }
    self.url = path
    self.limits = limits
    self.compression = compression
    self.handle = handle
    self.fd = fd
    self.cancellation = cancellation
    self.buffer = .allocate(byteCount: Self.chunkSize, alignment: 16)
  }

  deinit {
    archive_read_free(handle)
    close(fd)
    buffer.deallocate()
  }

  /// The entry ``next()`` returned last.
  public var currentEntry: TarEntry? { current }

  /// The next entry's header, or `nil` at the end of the archive. Unread data of the previous entry is
  /// skipped (and still decompressed and counted against the limits).
  ///
  /// #### Errors
  /// `.corrupt` for a damaged or truncated archive (with libarchive's message); `.tooManyEntries`,
  /// `.entryTooLarge`, `.totalTooLarge`, `.pathTooLong` or `.invalidPath` when a header breaks a limit.
  /// After an error the reader stays failed and throws the same error again.
  public func next() throws(ArchiveError) -> TarEntry? {
    if let failure { throw failure }
    if atEnd { return nil }
    do {
      return try readHeader()
    } catch {
      failure = error
      throw error
    }
  }

  /// Streams the current entry's data to `body` in chunks of up to 1 MiB; the buffer is only valid during
  /// the call. Reading a second time, or for an entry without data, calls `body` zero times.
  ///
  /// #### Errors
  /// ``ArchiveError`` for a truncated or corrupt archive or a broken limit; whatever `body` throws.
  public func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    if let failure { throw failure }
    guard dataPending, let entry = current else { return }
    dataPending = false
    var count: Int64 = 0
    while true {
      let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
      if n == 0 { break }
      if n < 0 {
        throw fail(LibArchive.readFailure(handle, "reading data", entryPath: entry.path, archive: url))
      }
      count += Int64(n)
      if count > entry.size {
        throw fail(
          ArchiveError(
            .corrupt, "the entry has more data than its header declares (\(entry.size) bytes)",
            entryPath: entry.path, archive: url))
      }
      try checkConsumption(entry: entry.path)
      try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
  }

  /// Skips the current entry's data without handing it out.
  ///
  /// #### Errors
  /// ``ArchiveError`` `.corrupt` when the archive ends inside the data.
  public func skipData() throws(ArchiveError) {
    if let failure { throw failure }
    guard dataPending, let entry = current else { return }
    dataPending = false
    guard archive_read_data_skip(handle) == ARCHIVE_OK else {
      throw fail(LibArchive.readFailure(handle, "skipping data", entryPath: entry.path, archive: url))
    }
    try checkConsumption(entry: entry.path)
  }

  /// The current entry's data in memory, for small members such as `index.json`.
  ///
  /// #### Errors
  /// `.entryTooLarge` when the entry is larger than `maxBytes`; errors of ``readData(_:)``.
  public func readAll(maxBytes: Int = 64 << 20) throws(ArchiveError) -> [UInt8] {
    guard let entry = current else { return [] }
    guard entry.size <= Int64(maxBytes) else {
      throw ArchiveError(
        .entryTooLarge, "the entry has \(entry.size) bytes, more than the \(maxBytes) this caller reads into memory",
        entryPath: entry.path, archive: url)
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(entry.size))
    do {
      try readData { bytes.append(contentsOf: $0) }
    } catch let error as ArchiveError {
      throw error
    } catch {
      throw ArchiveError(.io, "reading the entry failed: \(error)", entryPath: entry.path, archive: url)
    }
    return bytes
  }

  private func fail(_ error: ArchiveError) -> ArchiveError {
    failure = error
    return error
  }

  private func readHeader() throws(ArchiveError) -> TarEntry? {
    if cancellation?.isCancelled == true {
      throw ArchiveError(.cancelled, "reading the archive was cancelled", archive: url)
    }
    let previous = current?.path
    current = nil
    currentDataOffset = nil
    dataPending = false
    var raw: OpaquePointer?
    let status = archive_read_next_header(handle, &raw)
    if status == ARCHIVE_EOF {
      atEnd = true
      return nil
    }
    // ARCHIVE_WARN headers are usable (e.g. a name libarchive could not convert to the locale); RETRY,
    // FAILED and FATAL are not: libarchive's RETRY means it would skip damaged data, which we refuse.
    guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let raw else {
      let doing = previous.map { "reading the header after '\($0)'" } ?? "reading the first header"
      throw LibArchive.readFailure(handle, doing, entryPath: nil, archive: url)
    }
    let entry = try makeEntry(raw)
    // A sparse entry's declared size is not bytes of the archive: a few KiB of map can stand for terabytes of
    // zeros on extraction. Nothing we read is sparse, so every reader refuses it.
    guard archive_entry_sparse_count(raw) == 0 else {
      throw ArchiveError(
        .unsupportedFormat,
        "a sparse entry (\(entry.size) bytes declared from a map of holes): sparse entries are refused, they expand far beyond the archive",
        entryPath: entry.path, archive: url)
    }
    // Once the header (with any pax or GNU long-name records before it) is consumed, the position of the
    // uncompressed stream is the first byte of the data; a sparse entry's data is not one range.
    currentDataOffset =
      compression == .none && archive_entry_sparse_count(raw) == 0 ? archive_filter_bytes(handle, 0) : nil
    try checkLimits(entry)
    current = entry
    dataPending = entry.size > 0
    try checkConsumption(entry: entry.path)
    return entry
  }

  private func makeEntry(_ raw: OpaquePointer) throws(ArchiveError) -> TarEntry {
    let pointer = archive_entry_pathname(raw) ?? archive_entry_pathname_utf8(raw)
    guard let pointer, let path = String(validatingCString: pointer) else {
      throw ArchiveError(
        .invalidPath, "entry \(entryCount + 1) has no name or a name that is not UTF-8", archive: url)
    }
    guard !path.isEmpty else {
      throw ArchiveError(.invalidPath, "entry \(entryCount + 1) has an empty name", entryPath: path, archive: url)
    }
    guard path.utf8.count <= limits.maxPathLength else {
      throw ArchiveError(
        .pathTooLong, "the path has \(path.utf8.count) bytes, over the limit of \(limits.maxPathLength)",
        entryPath: String(path.prefix(200)) + "…", archive: url)
    }
    var type: TarEntry.EntryType
    var target: String?
    if let hard = archive_entry_hardlink(raw) {
      type = .hardlink
      target = try linkTarget(hard, path)
    } else {
      switch UInt32(archive_entry_filetype(raw)) & ss_AE_IFMT {
      case ss_AE_IFREG: type = .file
      case ss_AE_IFDIR: type = .directory
      case ss_AE_IFLNK:
        type = .symlink
        target = try linkTarget(archive_entry_symlink(raw), path)
      case ss_AE_IFCHR: type = .characterDevice
      case ss_AE_IFBLK: type = .blockDevice
      case ss_AE_IFIFO: type = .fifo
      case ss_AE_IFSOCK: type = .socket
      default: type = .other
      }
    }
    let size = archive_entry_size_is_set(raw) != 0 ? archive_entry_size(raw) : 0
    guard size >= 0 else {
      throw ArchiveError(.corrupt, "the header declares a negative size", entryPath: path, archive: url)
    }
    var mtime: Date?
    if archive_entry_mtime_is_set(raw) != 0 {
      mtime = Date(
        timeIntervalSince1970: Double(archive_entry_mtime(raw)) + Double(archive_entry_mtime_nsec(raw)) / 1e9)
    }
    return TarEntry(
      path: path, type: type, size: size, mode: UInt32(archive_entry_perm(raw)) & 0o7777, linkTarget: target,
      modificationTime: mtime)
  }

  private func linkTarget(_ pointer: UnsafePointer<CChar>?, _ path: String) throws(ArchiveError) -> String {
    guard let pointer, let target = String(validatingCString: pointer), !target.isEmpty else {
      throw ArchiveError(.invalidLink, "the link has an empty or non-UTF-8 target", entryPath: path, archive: url)
    }
    guard target.utf8.count <= limits.maxPathLength else {
      throw ArchiveError(
        .pathTooLong, "the link target has \(target.utf8.count) bytes, over the limit of \(limits.maxPathLength)",
        entryPath: path, archive: url)
    }
    return target
  }

  private func checkLimits(_ entry: TarEntry) throws(ArchiveError) {
    entryCount += 1
    guard entryCount <= limits.maxEntries else {
      throw ArchiveError(
        .tooManyEntries,
        "the archive has more than \(limits.maxEntries) entries; raise the limit only for a trusted archive",
        entryPath: entry.path, archive: url)
    }
    guard entry.size <= limits.maxEntrySize else {
      throw ArchiveError(
        .entryTooLarge, "the entry declares \(entry.size) bytes, over the limit of \(limits.maxEntrySize)",
        entryPath: entry.path, archive: url)
    }
    declaredBytes += entry.size
    guard declaredBytes <= limits.maxTotalSize else {
      throw ArchiveError(
        .totalTooLarge, "the entries add up to more than the limit of \(limits.maxTotalSize) bytes",
        entryPath: entry.path, archive: url)
    }
  }

  /// Bounds the decompressed bytes consumed (data, headers, padding, skipped garbage) so that a compression
  /// bomb stops early even when its headers look modest.
  private func checkConsumption(entry: String) throws(ArchiveError) {
    if cancellation?.isCancelled == true {
      throw fail(ArchiveError(.cancelled, "reading the archive was cancelled", entryPath: entry, archive: url))
    }
    let consumed = archive_filter_bytes(handle, 0)
    let allowance = Int64(entryCount) * 8192 + (16 << 20)
    let (budget, overflow) = limits.maxTotalSize.addingReportingOverflow(allowance)
    if !overflow && consumed > budget {
      throw fail(
        ArchiveError(
          .totalTooLarge, "the archive decompresses to more than the limit of \(limits.maxTotalSize) bytes",
          entryPath: entry, archive: url))
    }
    // The raw bytes read from the file (the last filter); for a compressed archive, a stream that grows far
    // beyond them is a compression bomb.
    guard compression != .none, consumed > limits.expansionAllowance else { return }
    let compressed = max(archive_filter_bytes(handle, -1), 1)
    let (bound, tooLarge) = compressed.multipliedReportingOverflow(by: limits.maxExpansionRatio)
    if !tooLarge && consumed > bound {
      throw fail(
        ArchiveError(
          .totalTooLarge,
          "the archive expands more than \(limits.maxExpansionRatio) times (\(compressed) compressed bytes decompress to "
            + "over \(consumed)); a bundle's layers are compressed already, so this is a compression bomb",
          entryPath: entry, archive: url))
    }
  }
}
