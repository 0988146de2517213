import Foundation

/// One run of ``TarExtractor``: reads entries, checks each, and creates it below the destination.
final class Extraction {
  private let reader: TarReader
  private let root: DestinationDirectory
  private let allowSymlinks: Bool
  private var result = ExtractionResult()
  // Regular files this run created, by normalised path: the only valid hard link targets.
  private var files = Set<String>()

  init(reader: TarReader, root: DestinationDirectory, allowSymlinks: Bool) {
    self.reader = reader
    self.root = root
    self.allowSymlinks = allowSymlinks
  }

  private var archive: URL { reader.url }

  func run() throws(ArchiveError) -> ExtractionResult {
    while let entry = try reader.next() {
      let components = try EntryPath.components(entry.path, archive: archive)
      guard !components.isEmpty else {
        // `./` (GNU tar's first entry for `tar -C dir .`) is the destination itself.
        guard entry.type == .directory else {
          throw ArchiveError(
            .invalidPath, "the entry names no file (only '.' or '/')", entryPath: entry.path, archive: archive)
        }
        continue
      }
      switch entry.type {
      case .directory:
        try makeDirectory(entry, components)
        result.directories += 1
      case .file:
        try writeFile(entry, components)
        result.files += 1
      case .symlink:
        try makeSymlink(entry, components)
        result.symlinks += 1
      case .hardlink:
        try makeHardlink(entry, components)
        result.files += 1
      case .characterDevice, .blockDevice, .fifo, .socket:
        throw ArchiveError(
          .deviceFile, "the entry is a \(entry.type.rawValue); device files, FIFOs and sockets are never extracted",
          entryPath: entry.path, archive: archive)
      case .other:
        throw ArchiveError(
          .unsupportedEntry, "the entry has a type this tool does not extract", entryPath: entry.path, archive: archive)
      }
      result.entries.append(components.joined(separator: "/"))
    }
    return result
  }

  private func makeDirectory(_ entry: TarEntry, _ components: [String]) throws(ArchiveError) {
    let parent = try root.parent(of: components, entryPath: entry.path)
    let leaf = components[components.count - 1]
    if mkdirat(parent, leaf, 0o700) != 0 {
      guard errno == EEXIST else {
        throw ArchiveError.posix("create the directory", entry.path, entryPath: entry.path, archive: archive)
      }
      var info = stat()
      guard fstatat(parent, leaf, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw ArchiveError.posix("inspect", entry.path, entryPath: entry.path, archive: archive)
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: break
      case S_IFLNK: throw throughSymlink(entry)
      default: throw exists(entry)
      }
    }
    let fd = openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else {
      throw ArchiveError.posix("open the directory", entry.path, entryPath: entry.path, archive: archive)
    }
    defer { close(fd) }
    // Owner rwx is kept so that later entries can be created inside.
    guard fchmod(fd, mode_t(entry.mode & 0o777 | 0o700)) == 0 else {
      throw ArchiveError.posix("set the mode of", entry.path, entryPath: entry.path, archive: archive)
    }
  }

  private func writeFile(_ entry: TarEntry, _ components: [String]) throws(ArchiveError) {
    let parent = try root.parent(of: components, entryPath: entry.path)
    let leaf = components[components.count - 1]
    let fd = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      if errno == EEXIST { throw exists(entry) }
      throw ArchiveError.posix("create", entry.path, entryPath: entry.path, archive: archive)
    }
    var complete = false
    defer {
      if !complete {
        close(fd)
        unlinkat(parent, leaf, 0)
      }
    }
    let limit = min(entry.size, reader.limits.maxEntrySize)
    var written: Int64 = 0
    do {
      try reader.readData { chunk in
        written += Int64(chunk.count)
        guard written <= limit else {
          throw ArchiveError(
            .entryTooLarge, "the entry's data exceeds \(limit) bytes", entryPath: entry.path, archive: self.archive)
        }
        try self.writeAll(fd, chunk, entry)
      }
    } catch {
      throw ArchiveError.wrap(error, archive: archive)
    }
    guard fchmod(fd, mode_t(entry.mode & 0o777)) == 0 else {
      throw ArchiveError.posix("set the mode of", entry.path, entryPath: entry.path, archive: archive)
    }
    if let mtime = entry.modificationTime {
      let seconds = mtime.timeIntervalSince1970.rounded(.down)
      let stamp = timespec(tv_sec: Int(seconds), tv_nsec: Int((mtime.timeIntervalSince1970 - seconds) * 1e9))
      let times = [stamp, stamp]
      _ = futimens(fd, times)
    }
    complete = true
    guard close(fd) == 0 else {
      unlinkat(parent, leaf, 0)
      throw ArchiveError.posix("close", entry.path, entryPath: entry.path, archive: archive)
    }
    files.insert(components.joined(separator: "/"))
    result.bytes += written
  }

  private func writeAll(_ fd: Int32, _ chunk: UnsafeRawBufferPointer, _ entry: TarEntry) throws(ArchiveError) {
    var offset = 0
    while offset < chunk.count {
      let n = write(fd, chunk.baseAddress.map { $0 + offset }, chunk.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw ArchiveError.posix("write", entry.path, entryPath: entry.path, archive: archive)
      }
      offset += n
    }
  }

  private func makeSymlink(_ entry: TarEntry, _ components: [String]) throws(ArchiveError) {
    guard allowSymlinks else {
      throw ArchiveError(
        .symlinkNotAllowed, "the archive holds a symbolic link, which this extraction does not allow",
        entryPath: entry.path, archive: archive)
    }
    let target = entry.linkTarget ?? ""
    try EntryPath.checkSymlinkTarget(target, linkComponents: components, entryPath: entry.path, archive: archive)
    let parent = try root.parent(of: components, entryPath: entry.path)
    guard symlinkat(target, parent, components[components.count - 1]) == 0 else {
      if errno == EEXIST { throw exists(entry) }
      throw ArchiveError.posix("create the symbolic link", entry.path, entryPath: entry.path, archive: archive)
    }
  }

  private func makeHardlink(_ entry: TarEntry, _ components: [String]) throws(ArchiveError) {
    let target = entry.linkTarget ?? ""
    let targetComponents = try EntryPath.hardlinkTarget(target, entryPath: entry.path, archive: archive)
    guard files.contains(targetComponents.joined(separator: "/")) else {
      throw ArchiveError(
        .invalidLink, "the hard link target '\(target)' is not a regular file extracted earlier from this archive",
        entryPath: entry.path, archive: archive)
    }
    let targetParent = try root.openDirectory(Array(targetComponents.dropLast()), entryPath: entry.path)
    defer { close(targetParent) }
    let targetLeaf = targetComponents[targetComponents.count - 1]
    var info = stat()
    guard fstatat(targetParent, targetLeaf, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw ArchiveError(
        .invalidLink, "the hard link target '\(target)' is no longer a regular file", entryPath: entry.path,
        archive: archive)
    }
    let parent = try root.parent(of: components, entryPath: entry.path)
    let leaf = components[components.count - 1]
    // Flags 0: link the target entry itself, never what it might point to.
    guard linkat(targetParent, targetLeaf, parent, leaf, 0) == 0 else {
      if errno == EEXIST { throw exists(entry) }
      throw ArchiveError.posix("create the hard link", entry.path, entryPath: entry.path, archive: archive)
    }
    files.insert(components.joined(separator: "/"))
  }

  private func exists(_ entry: TarEntry) -> ArchiveError {
    ArchiveError(
      .duplicateEntry, "the path already exists in the destination; an entry may not overwrite it (duplicate entry?)",
      entryPath: entry.path, archive: archive)
  }

  private func throughSymlink(_ entry: TarEntry) -> ArchiveError {
    ArchiveError(
      .pathThroughSymlink, "the path is a symbolic link in the destination; refusing to write through it",
      entryPath: entry.path, archive: archive)
  }
}
