public import Foundation
public import ServestackCore

extension TarReader {
  /// Opens `archive` and runs `body` with the reader on a ``BlockingExecutor`` thread (libarchive blocks).
  /// Cancelling the task makes the reader throw `.cancelled` at its next header or chunk.
  ///
  /// #### Errors
  /// ``ArchiveError`` from opening or reading; whatever `body` throws.
  public static func withReader<T: Sendable>(
    archive: URL, limits: ArchiveLimits = .init(), executor: BlockingExecutor = .shared,
    _ body: @escaping @Sendable (TarReader) throws -> T
  ) async throws -> T {
    let flag = CancellationFlag()
    return try await withTaskCancellationHandler {
      try await executor.run {
        let reader = try TarReader(path: archive, limits: limits, cancellation: flag)
        return try body(reader)
      }
    } onCancel: {
      flag.cancel()
    }
  }

  /// Streams every entry of `archive` to `body`, on a ``BlockingExecutor`` thread. `body` may read the
  /// entry's data with `reader.readData(_:)` (or leave it, and it is skipped); it must not call `next()`.
  ///
  /// #### Errors
  /// ``ArchiveError`` from opening or reading; whatever `body` throws.
  public static func forEachEntry(
    archive: URL, limits: ArchiveLimits = .init(), executor: BlockingExecutor = .shared,
    _ body: @escaping @Sendable (TarEntry, TarReader) throws -> Void
  ) async throws {
    try await withReader(archive: archive, limits: limits, executor: executor) { reader in
      while let entry = try reader.next() {
        try body(entry, reader)
      }
    }
  }

  /// The headers of every entry of `archive`, without their data.
  ///
  /// #### Errors
  /// ``ArchiveError`` from opening or reading.
  public static func list(archive: URL, limits: ArchiveLimits = .init()) async throws(ArchiveError) -> [TarEntry] {
    do {
      return try await withReader(archive: archive, limits: limits) { reader in
        var entries: [TarEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
      }
    } catch {
      throw ArchiveError.wrap(error, archive: archive)
    }
  }
}
