/// What an extraction wrote.
public struct ExtractionResult: Sendable, Equatable {
  /// Regular files written (hard links included).
  public var files: Int
  /// Bytes of file data written.
  public var bytes: Int64
  /// Every extracted path, normalised (`./a//b` → `a/b`), in archive order.
  public var entries: [String]
  public var directories: Int
  public var symlinks: Int

  public init(files: Int = 0, bytes: Int64 = 0, entries: [String] = [], directories: Int = 0, symlinks: Int = 0) {
    self.files = files
    self.bytes = bytes
    self.entries = entries
    self.directories = directories
    self.symlinks = symlinks
  }
}
