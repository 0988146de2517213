public import Foundation
public import ServestackCore

/// Extracts untrusted tar archives without ever writing outside the destination.
///
/// Entries are checked before anything is written: no absolute paths, no `..`, no device files, FIFOs or
/// sockets, no links that could point outside, no writing through a symbolic link (every parent is opened
/// with `O_NOFOLLOW` relative to the one before), no overwriting (files are created with `O_EXCL`), sizes
/// and counts within ``ArchiveLimits`` (declared and counted). Modes keep only the permission bits
/// (setuid, setgid and sticky are dropped); ownership is never changed. libarchive only parses; every file
/// is created here with `openat`/`mkdirat`/`symlinkat`/`linkat`.
///
/// On an error, what was extracted so far stays in the destination (the caller owns and removes it).
public enum TarExtractor {
  /// Extracts `archive` into `destination` (created if missing) on a ``BlockingExecutor`` thread.
  /// Cancelling the task stops it at the next entry or chunk with `.cancelled`.
  ///
  /// #### Errors
  /// ``ArchiveError`` naming the offending entry: `.absolutePath`, `.parentTraversal`,
  /// `.linkOutsideDestination`, `.pathThroughSymlink`, `.invalidLink`, `.symlinkNotAllowed`, `.deviceFile`,
  /// `.duplicateEntry`, `.entryTooLarge`, `.totalTooLarge`, `.tooManyEntries`, `.pathTooLong`, `.corrupt`,
  /// `.unsupportedFormat`; `.io` for local failures.
  public static func extract(
    _ archive: URL, to destination: URL, limits: ArchiveLimits = .init(), allowSymlinks: Bool = true,
    executor: BlockingExecutor = .shared
  ) async throws(ArchiveError) -> ExtractionResult {
    let flag = CancellationFlag()
    do {
      return try await withTaskCancellationHandler {
        try await executor.run { () throws -> ExtractionResult in
          try extract(archive, to: destination, limits: limits, allowSymlinks: allowSymlinks, cancellation: flag)
        }
      } onCancel: {
        flag.cancel()
      }
    } catch {
      throw ArchiveError.wrap(error, archive: archive)
    }
  }

  /// The same as ``extract(_:to:limits:allowSymlinks:executor:)``, blocking the calling thread; for code
  /// already running on a blocking thread.
  ///
  /// #### Errors
  /// As ``extract(_:to:limits:allowSymlinks:executor:)``.
  public static func extractBlocking(
    _ archive: URL, to destination: URL, limits: ArchiveLimits = .init(), allowSymlinks: Bool = true
  ) throws(ArchiveError) -> ExtractionResult {
    try extract(archive, to: destination, limits: limits, allowSymlinks: allowSymlinks, cancellation: nil)
  }

  static func extract(
    _ archive: URL, to destination: URL, limits: ArchiveLimits, allowSymlinks: Bool, cancellation: CancellationFlag?
  ) throws(ArchiveError) -> ExtractionResult {
    let reader = try TarReader(path: archive, limits: limits, cancellation: cancellation)
    let root = try DestinationDirectory(destination, archive: archive)
    let extraction = Extraction(reader: reader, root: root, allowSymlinks: allowSymlinks)
    return try extraction.run()
  }
}
