import Foundation

/// The lexical rules every entry path and link target must pass, for both the writer (which refuses to
/// write hostile names) and the extractor (which refuses to extract them).
enum EntryPath {
  /// The components of a relative entry path, with `.` and empty components (`./a//b/`) removed. An empty
  /// result means the path names the archive root itself (`./`).
  ///
  /// #### Errors
  /// `.absolutePath`, `.parentTraversal` or `.invalidPath` (empty, NUL byte), naming `path`.
  static func components(_ path: String, archive: URL?) throws(ArchiveError) -> [String] {
    guard !path.isEmpty else {
      throw ArchiveError(.invalidPath, "the entry has an empty name", entryPath: path, archive: archive)
    }
    guard !path.utf8.contains(0) else {
      throw ArchiveError(.invalidPath, "the entry name contains a NUL byte", entryPath: path, archive: archive)
    }
    guard !path.hasPrefix("/") else {
      throw ArchiveError(
        .absolutePath, "the entry has an absolute path; archives may only hold relative paths",
        entryPath: path, archive: archive)
    }
    var result: [String] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
      if component == ".." {
        throw ArchiveError(
          .parentTraversal, "the entry path contains '..'; it would point outside the destination",
          entryPath: path, archive: archive)
      }
      result.append(String(component))
    }
    return result
  }

  /// Checks that a symbolic link at `linkComponents` with `target` cannot resolve outside the root, even
  /// through other links: the target must be relative, and its `..` components may only come first (so
  /// they climb real directories) and not climb above the root.
  ///
  /// #### Errors
  /// `.linkOutsideDestination` or `.invalidLink`, naming `entryPath`.
  static func checkSymlinkTarget(
    _ target: String, linkComponents: [String], entryPath: String, archive: URL?
  ) throws(ArchiveError) {
    guard !target.isEmpty, !target.utf8.contains(0) else {
      throw ArchiveError(.invalidLink, "the symbolic link has an empty target", entryPath: entryPath, archive: archive)
    }
    guard !target.hasPrefix("/") else {
      throw ArchiveError(
        .linkOutsideDestination, "the symbolic link points to the absolute path '\(target)'",
        entryPath: entryPath, archive: archive)
    }
    var climbs = 0
    var sawName = false
    for component in target.split(separator: "/", omittingEmptySubsequences: true) where component != "." {
      if component == ".." {
        guard !sawName else {
          throw ArchiveError(
            .linkOutsideDestination,
            "the symbolic link target '\(target)' has '..' after a name, which could climb out through another link",
            entryPath: entryPath, archive: archive)
        }
        climbs += 1
      } else {
        sawName = true
      }
    }
    let depth = linkComponents.count - 1
    guard climbs <= depth else {
      throw ArchiveError(
        .linkOutsideDestination, "the symbolic link target '\(target)' resolves outside the destination",
        entryPath: entryPath, archive: archive)
    }
  }

  /// The components of a hard link's target, which must be a plain relative path.
  ///
  /// #### Errors
  /// `.linkOutsideDestination` for an absolute target or one with `..`; `.invalidLink` for an empty one.
  static func hardlinkTarget(_ target: String, entryPath: String, archive: URL?) throws(ArchiveError) -> [String] {
    let parts: [String]
    do {
      parts = try components(target, archive: archive)
    } catch  where error.code == .absolutePath || error.code == .parentTraversal {
      throw ArchiveError(
        .linkOutsideDestination, "the hard link points to '\(target)', outside the destination",
        entryPath: entryPath, archive: archive)
    } catch {
      throw ArchiveError(
        .invalidLink, "the hard link target '\(target)' is not a valid path", entryPath: entryPath, archive: archive)
    }
    guard !parts.isEmpty else {
      throw ArchiveError(.invalidLink, "the hard link has an empty target", entryPath: entryPath, archive: archive)
    }
    return parts
  }
}
