import Foundation

/// The directory an archive is extracted into, held open; every path below it is reached one component at
/// a time with `openat(…, O_NOFOLLOW | O_DIRECTORY)`, so no symbolic link (planted by an earlier entry or
/// already there) is ever followed, whatever the path says.
final class DestinationDirectory {
  let url: URL
  let archive: URL
  private let rootFD: Int32
  // The last parent directory reached, so that the files of one directory do not each walk the whole path.
  // Nothing extracted can replace a directory already opened (files are created with O_EXCL), so the
  // cached descriptor keeps naming the directory it was opened as.
  private var cachedKey: [String]?
  private var cachedFD: Int32 = -1

  init(_ url: URL, archive: URL) throws(ArchiveError) {
    self.url = url
    self.archive = archive
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw ArchiveError(
        .io, "could not create the destination \(url.path): \(error.localizedDescription)", archive: archive,
        cause: SendableCause(error))
    }
    rootFD = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard rootFD >= 0 else { throw ArchiveError.posix("open the destination", url.path, archive: archive) }
  }

  deinit {
    if cachedFD >= 0 { close(cachedFD) }
    close(rootFD)
  }

  /// The directory holding the entry at `components` (its last component is the entry itself), creating
  /// missing directories on the way. The descriptor belongs to this object: do not close it, and do not
  /// keep it across another call.
  ///
  /// #### Errors
  /// `.pathThroughSymlink` when a component is a symbolic link or not a directory.
  func parent(of components: [String], entryPath: String) throws(ArchiveError) -> Int32 {
    let parents = Array(components.dropLast())
    if parents.isEmpty { return rootFD }
    if parents == cachedKey { return cachedFD }
    let fd = try openDirectory(parents, entryPath: entryPath)
    if cachedFD >= 0 { close(cachedFD) }
    cachedKey = parents
    cachedFD = fd
    return fd
  }

  /// Opens the directory at `components` (creating missing ones); the caller closes the descriptor.
  func openDirectory(_ components: [String], entryPath: String) throws(ArchiveError) -> Int32 {
    var current = rootFD
    for (index, name) in components.enumerated() {
      var next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if next < 0 && errno == ENOENT {
        if mkdirat(current, name, 0o755) != 0 && errno != EEXIST {
          let error = ArchiveError.posix(
            "create the directory", components[...index].joined(separator: "/"), entryPath: entryPath, archive: archive)
          if current != rootFD { close(current) }
          throw error
        }
        next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      }
      let failure = errno
      if current != rootFD { close(current) }
      guard next >= 0 else {
        let prefix = components[...index].joined(separator: "/")
        if failure == ELOOP || failure == ENOTDIR {
          throw ArchiveError(
            .pathThroughSymlink,
            "'\(prefix)' is a symbolic link or not a directory; refusing to write through it",
            entryPath: entryPath, archive: archive)
        }
        throw ArchiveError.posix("open the directory", prefix, entryPath: entryPath, archive: archive, errno: failure)
      }
      current = next
    }
    return current == rootFD ? dup(rootFD) : current
  }
}
