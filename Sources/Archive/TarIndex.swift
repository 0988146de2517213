public import Foundation

/// Where every entry's data lies in an uncompressed tar file, found by reading the headers only (the data
/// of each entry is skipped with a seek, not read). An entry's bytes can then be read, or sent, as a range
/// of the file — a push of a bundle's blobs without extracting it first.
///
/// The headers go through ``TarReader``, so every ``ArchiveLimits`` check applies; the caller decides which
/// paths and types it accepts (the index holds links and odd paths as the archive spells them).
public struct TarIndex: Sendable {
  /// One entry and where its data starts.
  public struct Entry: Sendable, Equatable {
    public var entry: TarEntry
    /// The offset of the first byte of the data in the tar file (the data is `entry.size` bytes from here).
    public var dataOffset: Int64

    public var path: String { entry.path }
    public var size: Int64 { entry.size }
  }

  public let archive: URL
  /// The entries in archive order.
  public let entries: [Entry]

  /// Indexes `archive`, on a ``BlockingExecutor`` thread.
  ///
  /// #### Errors
  /// ``ArchiveError``: `.unsupportedFormat` for a compressed archive (its entries are not byte ranges of the
  /// file) or a sparse entry; `.corrupt` and limit errors as ``TarReader/next()`` reports them.
  public static func build(archive: URL, limits: ArchiveLimits = .init()) async throws(ArchiveError) -> TarIndex {
    do {
      let entries = try await TarReader.withReader(archive: archive, limits: limits) { reader in
        guard reader.compression == .none else {
          throw ArchiveError(
            .unsupportedFormat,
            "the archive is \(reader.compression.rawValue)-compressed: its entries are not byte ranges of the file",
            archive: archive)
        }
        var entries: [Entry] = []
        while let entry = try reader.next() {
          guard let offset = reader.currentDataOffset else {
            throw ArchiveError(
              .unsupportedFormat, "a sparse entry: its data is not one byte range of the file", entryPath: entry.path,
              archive: archive)
          }
          entries.append(Entry(entry: entry, dataOffset: offset))
        }
        return entries
      }
      return TarIndex(archive: archive, entries: entries)
    } catch {
      throw ArchiveError.wrap(error, archive: archive)
    }
  }

  /// Reads an entry's data into memory (for small members: manifests, checksums), on the calling thread.
  ///
  /// #### Errors
  /// ``ArchiveError`` `.entryTooLarge` above `maxBytes`; `.io` when the file cannot be read or ends early.
  public func readBlocking(_ entry: Entry, maxBytes: Int = 64 << 20) throws(ArchiveError) -> [UInt8] {
    guard entry.size <= Int64(maxBytes) else {
      throw ArchiveError(
        .entryTooLarge, "the entry has \(entry.size) bytes, more than the \(maxBytes) this caller reads into memory",
        entryPath: entry.path, archive: archive)
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(entry.size))
    try streamBlocking(entry) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Streams an entry's data to `body` in pieces of up to 1 MiB (the buffer is valid only during the
  /// call), on the calling thread.
  ///
  /// #### Errors
  /// ``ArchiveError`` `.io` when the file cannot be read or ends early.
  public func streamBlocking(_ entry: Entry, _ body: (UnsafeRawBufferPointer) -> Void) throws(ArchiveError) {
    let fd = open(archive.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ArchiveError.posix("open the archive", archive.path, archive: archive) }
    defer { close(fd) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TarReader.chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    var done: Int64 = 0
    while done < entry.size {
      let wanted = Int(min(Int64(buffer.count), entry.size - done))
      let got = pread(fd, buffer.baseAddress, wanted, off_t(entry.dataOffset + done))
      if got < 0 && errno == EINTR { continue }
      guard got > 0 else {
        if got == 0 {
          throw ArchiveError(
            .io, "the archive ends inside the entry's data (was it truncated?)", entryPath: entry.path, archive: archive
          )
        }
        throw ArchiveError.posix("read", archive.path, entryPath: entry.path, archive: archive)
      }
      body(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
      done += Int64(got)
    }
  }
}
