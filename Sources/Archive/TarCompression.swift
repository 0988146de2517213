public import Foundation

/// How a tar stream is compressed. Bundles use `zstd`; `gzip` is for interchange with older tools.
public enum TarCompression: String, Sendable, CaseIterable {
  case none, gzip, zstd

  /// The usual file name suffix: `.tar`, `.tar.gz`, `.tar.zst`.
  public var fileExtension: String {
    switch self {
    case .none: "tar"
    case .gzip: "tar.gz"
    case .zstd: "tar.zst"
    }
  }

  /// The compression of the file at `url`, from its first bytes. Anything that is not gzip or zstd, and not
  /// a known other container, is `.none` (the tar reader then decides whether it is a tar).
  ///
  /// #### Errors
  /// ``ArchiveError/Code-swift.struct/io`` when the file cannot be read;
  /// ``ArchiveError/Code-swift.struct/unsupportedFormat`` for xz, bzip2, lz4, zip, 7z and compress.
  public static func detect(fileAt url: URL) throws(ArchiveError) -> TarCompression {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ArchiveError.posix("open", url.path, archive: url) }
    defer { close(fd) }
    return try detect(fd: fd, url: url)
  }

  static func detect(fd: Int32, url: URL) throws(ArchiveError) -> TarCompression {
    var magic = [UInt8](repeating: 0, count: 8)
    let count = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count >= 0 else { throw ArchiveError.posix("read", url.path, archive: url) }
    return try detect(magic: magic.prefix(count), url: url)
  }

  static func detect(magic: ArraySlice<UInt8>, url: URL?) throws(ArchiveError) -> TarCompression {
    func starts(_ prefix: [UInt8]) -> Bool { magic.starts(with: prefix) }
    if starts([0x1F, 0x8B]) { return .gzip }
    if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
    let others: [(String, [UInt8])] = [
      ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("bzip2", Array("BZh".utf8)),
      ("lz4", [0x04, 0x22, 0x4D, 0x18]), ("zip", [0x50, 0x4B, 0x03, 0x04]), ("zip", [0x50, 0x4B, 0x05, 0x06]),
      ("7z", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]), ("compress (.Z)", [0x1F, 0x9D]), ("lzip", Array("LZIP".utf8)),
    ]
    for (name, prefix) in others where starts(prefix) {
      throw ArchiveError(
        .unsupportedFormat,
        "the file is \(name) data; only tar, tar+gzip and tar+zstd are supported — "
          + "recompress it, e.g. with `zstd`", archive: url)
    }
    return .none
  }
}
