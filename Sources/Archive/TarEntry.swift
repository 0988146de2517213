public import Foundation

/// One member of a tar archive, as its header describes it.
public struct TarEntry: Sendable, Equatable {
  /// What an entry is.
  public enum EntryType: String, Sendable, Equatable {
    case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket, other
  }

  /// The path as the archive spells it (not normalised: `./a`, `a/`, even `../x` appear as written).
  public var path: String
  public var type: EntryType
  /// The size of the entry's data in bytes (0 for directories and links).
  public var size: Int64
  /// Permission bits as stored, including setuid/setgid/sticky (the extractor strips those).
  public var mode: UInt32
  /// The target of a symbolic or hard link.
  public var linkTarget: String?
  public var modificationTime: Date?

  public init(
    path: String, type: EntryType, size: Int64 = 0, mode: UInt32 = 0o644, linkTarget: String? = nil,
    modificationTime: Date? = nil
  ) {
    self.path = path
    self.type = type
    self.size = size
    self.mode = mode
    self.linkTarget = linkTarget
    self.modificationTime = modificationTime
  }
}
