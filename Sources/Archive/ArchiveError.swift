public import Foundation
public import ServestackCore

/// A tar archive could not be written, read or extracted: what went wrong, with which entry of which archive.
///
/// Hostile or corrupt input (a path escaping the destination, a device file, a truncated stream, an entry
/// over a limit) has category ``ErrorCategory/input``; local I/O failures have ``ErrorCategory/failed``.
public struct ArchiveError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  /// What kind of problem this is; compare with the static members (`error.code == .parentTraversal`).
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String, Sendable {
      case absolutePath, parentTraversal, invalidPath, pathTooLong, pathThroughSymlink
      case linkOutsideDestination, invalidLink, symlinkNotAllowed
      case deviceFile, unsupportedEntry, duplicateEntry
      case entryTooLarge, totalTooLarge, tooManyEntries
      case corrupt, unsupportedFormat, io, cancelled, misuse
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// An entry path starts with `/`.
    public static let absolutePath = Code(.absolutePath)
    /// An entry path has a `..` component.
    public static let parentTraversal = Code(.parentTraversal)
    /// An entry path is empty, not UTF-8, or names nothing once `.` and empty components are removed.
    public static let invalidPath = Code(.invalidPath)
    /// An entry path is longer than ``ArchiveLimits/maxPathLength`` (or a component longer than the OS allows).
    public static let pathTooLong = Code(.pathTooLong)
    /// An entry would be written through a symbolic link (or a non-directory) in the destination.
    public static let pathThroughSymlink = Code(.pathThroughSymlink)
    /// A symbolic or hard link points outside the destination (absolute target, too many `..`).
    public static let linkOutsideDestination = Code(.linkOutsideDestination)
    /// A hard link's target is not a regular file extracted earlier from the same archive.
    public static let invalidLink = Code(.invalidLink)
    /// The archive holds a symbolic link and the extraction was told not to allow them.
    public static let symlinkNotAllowed = Code(.symlinkNotAllowed)
    /// A character or block device, a FIFO or a socket.
    public static let deviceFile = Code(.deviceFile)
    /// An entry type this layer does not extract.
    public static let unsupportedEntry = Code(.unsupportedEntry)
    /// An entry would overwrite an existing path (directories excepted), or a writer was given a path twice.
    public static let duplicateEntry = Code(.duplicateEntry)
    /// An entry is larger than ``ArchiveLimits/maxEntrySize``.
    public static let entryTooLarge = Code(.entryTooLarge)
    /// The archive's content is larger than ``ArchiveLimits/maxTotalSize``.
    public static let totalTooLarge = Code(.totalTooLarge)
    /// The archive has more entries than ``ArchiveLimits/maxEntries``.
    public static let tooManyEntries = Code(.tooManyEntries)
    /// The archive is truncated or damaged (libarchive's message says where).
    public static let corrupt = Code(.corrupt)
    /// The file is not a tar, or is compressed with something other than gzip or zstd.
    public static let unsupportedFormat = Code(.unsupportedFormat)
    /// Reading or writing a local file failed.
    public static let io = Code(.io)
    /// The task was cancelled.
    public static let cancelled = Code(.cancelled)
    /// The API was used out of order (a write after `finish()`, data of the wrong size).
    public static let misuse = Code(.misuse)

    public var description: String { value.rawValue }

    var isInputProblem: Bool {
      switch value {
      case .io, .cancelled, .misuse: false
      default: true
      }
    }
  }

  public let code: Code
  /// What happened and what to do, without the entry and archive (``errorDescription`` adds them).
  public let message: String
  /// The entry's path as the archive spells it, when the problem is with one entry.
  public let entryPath: String?
  /// The archive being read or written.
  public let archive: URL?
  public let cause: (any Error & Sendable)?

  public init(
    _ code: Code, _ message: String, entryPath: String? = nil, archive: URL? = nil,
    cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.entryPath = entryPath
    self.archive = archive
    self.cause = cause
  }

  public var category: ErrorCategory { code.isInputProblem ? .input : .failed }

  public var errorDescription: String? {
    var text = message
    if let entryPath { text += " (entry '\(entryPath)')" }
    if let archive { text += " [archive \(archive.path)]" }
    return text
  }

  public var description: String { "\(code): \(errorDescription ?? message)" }

  /// The same error with the archive filled in, unless it already names one.
  func inArchive(_ url: URL) -> ArchiveError {
    guard archive == nil else { return self }
    return ArchiveError(code, message, entryPath: entryPath, archive: url, cause: cause)
  }

  /// An error for the current `errno` after a failed system call on `what`.
  static func posix(
    _ operation: String, _ what: String, entryPath: String? = nil, archive: URL? = nil, errno number: Int32 = errno
  ) -> ArchiveError {
    let cause = POSIXErrorCode(rawValue: number).map { POSIXError($0) }
    let reason = String(cString: strerror(number))
    let code: Code = number == ENAMETOOLONG ? .pathTooLong : .io
    return ArchiveError(
      code, "could not \(operation) \(what): \(reason); check the path, its permissions and free space",
      entryPath: entryPath, archive: archive, cause: cause)
  }
}

extension ArchiveError {
  /// `error` as an ``ArchiveError``: itself when it is one, else `.io` with the error as cause.
  static func wrap(_ error: any Error, archive: URL) -> ArchiveError {
    if let error = error as? ArchiveError { return error }
    if error is CancellationError { return ArchiveError(.cancelled, "the operation was cancelled", archive: archive) }
    return ArchiveError(
      .io, "the archive operation failed: \(error.userMessage)", archive: archive, cause: SendableCause(error))
  }
}
