internal import CArchive
import Foundation

/// Turns libarchive's return codes into ``ArchiveError``s, in one place.
enum LibArchive {
  /// libarchive's last message on `handle`.
  static func message(_ handle: OpaquePointer) -> String {
    guard let text = archive_error_string(handle) else { return "unknown libarchive error" }
    return String(cString: text)
  }

  /// Whether libarchive's last failure came from the operating system (a failed read or write), rather
  /// than from the archive's content.
  static func isSystemFailure(_ handle: OpaquePointer) -> Bool {
    [EIO, EBADF, ENOSPC, EACCES, EISDIR, ENXIO, EROFS, EDQUOT, EPIPE].contains(archive_errno(handle))
  }

  /// The error for a failed libarchive call that read from an archive: `.io` for system failures,
  /// `.corrupt` (with libarchive's message, e.g. "Truncated tar archive") for anything else.
  static func readFailure(_ handle: OpaquePointer, _ doing: String, entryPath: String?, archive: URL) -> ArchiveError {
    let text = message(handle)
    if isSystemFailure(handle) {
      return ArchiveError(
        .io, "could not read the archive while \(doing): \(text)", entryPath: entryPath, archive: archive,
        cause: POSIXErrorCode(rawValue: archive_errno(handle)).map { POSIXError($0) })
    }
    return ArchiveError(
      .corrupt, "the archive is corrupt or truncated (\(doing)): \(text); fetch or rebuild it and try again",
      entryPath: entryPath, archive: archive)
  }

  /// The error for a failed libarchive call that wrote an archive.
  static func writeFailure(_ handle: OpaquePointer, _ doing: String, entryPath: String?, archive: URL) -> ArchiveError {
    ArchiveError(
      .io, "could not write the archive while \(doing): \(message(handle)); check free space and permissions",
      entryPath: entryPath, archive: archive,
      cause: POSIXErrorCode(rawValue: archive_errno(handle)).map { POSIXError($0) })
  }
}
