import Foundation

/// The header bytes of one regular-file entry, in the same pax-restricted shape ``TarWriter`` writes (a
/// plain ustar header; a pax extended header first only when the name or size does not fit ustar), so that
/// a writer placing entries at computed offsets of a file (parallel downloads each filling their own entry)
/// makes an archive every tar reader, and ``TarReader``, accepts.
///
/// The layout of an uncompressed archive is fully known from its entries' paths and sizes: an entry takes
/// `header.count + padded(size)` bytes, and the archive ends with ``endOfArchive``.
public enum TarHeaderBlock {
  public static let blockSize: Int64 = 512
  /// libarchive's default record: archives are padded to a multiple of it, as ``TarWriter``'s are.
  public static let recordSize: Int64 = 10_240

  /// The header (512 bytes, or 1024+ with a pax header) of a regular file `path` of `size` bytes.
  ///
  /// #### Errors
  /// `.invalidPath`, `.absolutePath`, `.parentTraversal` for a name ``TarWriter`` would refuse.
  public static func regularFile(path: String, size: Int64, mode: UInt32 = 0o644, mtime: Int = 0) throws(ArchiveError)
    -> [UInt8]
  {
    let name = try EntryPath.components(path, archive: nil).joined(separator: "/")
    let nameBytes = Array(name.utf8)
    var records: [UInt8] = []
    let maxOctalSize: Int64 = 0o77777777777
    if nameBytes.count > 100 { records += record("path", nameBytes) }
    if size > maxOctalSize { records += record("size", Array(String(size).utf8)) }
    var header: [UInt8] = []
    if !records.isEmpty {
      let base = Array(("PaxHeader/" + (name.split(separator: "/").last.map(String.init) ?? "entry")).utf8.prefix(100))
      header += block(name: base, size: Int64(records.count), mode: 0o644, mtime: mtime, type: UInt8(ascii: "x"))
      header += records + [UInt8](repeating: 0, count: Int(padding(Int64(records.count))))
    }
    header += block(
      name: Array(nameBytes.prefix(100)), size: min(size, maxOctalSize), mode: mode, mtime: mtime,
      type: UInt8(ascii: "0"))
    return header
  }

  /// Zero bytes after the data of a `size`-byte entry, up to the next block.
  public static func padding(_ size: Int64) -> Int64 { (blockSize - size % blockSize) % blockSize }

  /// The two zero blocks that end an archive, plus zeros up to a whole record, for an archive whose entries
  /// end at `offset`.
  public static func endOfArchive(at offset: Int64) -> [UInt8] {
    let end = offset + 2 * blockSize
    let total = (end + recordSize - 1) / recordSize * recordSize
    return [UInt8](repeating: 0, count: Int(total - offset))
  }

  /// One pax record, `"<length> key=value\n"`, whose length counts its own digits.
  private static func record(_ key: String, _ value: [UInt8]) -> [UInt8] {
    let body = key.utf8.count + value.count + 3
    var length = body + String(body).count
    if String(length).count != String(body).count { length = body + String(length).count }
    return Array("\(length) \(key)=".utf8) + value + [UInt8(ascii: "\n")]
  }

  private static func block(name: [UInt8], size: Int64, mode: UInt32, mtime: Int, type: UInt8) -> [UInt8] {
    var block = [UInt8](repeating: 0, count: 512)
    func put(_ bytes: [UInt8], at offset: Int) {
      for (index, byte) in bytes.enumerated() { block[offset + index] = byte }
    }
    // libarchive's ustar template: numbers as zero-padded octal, then " \0" (8-byte fields) or " " (12-byte).
    func octal(_ value: Int64, digits: Int) -> [UInt8] {
      let text = String(value, radix: 8)
      return Array((String(repeating: "0", count: max(digits - text.count, 0)) + text).utf8)
    }
    let small = { (value: Int64) in octal(value, digits: 6) + [UInt8(ascii: " "), 0] }
    put(name, at: 0)
    put(small(Int64(mode & 0o7777)), at: 100)
    put(small(0), at: 108)
    put(small(0), at: 116)
    put(octal(size, digits: 11) + [UInt8(ascii: " ")], at: 124)
    put(octal(Int64(mtime), digits: 11) + [UInt8(ascii: " ")], at: 136)
    put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
    block[156] = type
    put(Array("ustar".utf8) + [0] + Array("00".utf8), at: 257)
    put(small(0), at: 329)
    put(small(0), at: 337)
    let checksum = block.reduce(0) { $0 + Int64($1) }
    put(octal(checksum, digits: 6) + [0, UInt8(ascii: " ")], at: 148)
    return block
  }
}
