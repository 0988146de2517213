import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("TarIndex")
struct TarIndexTests {
  /// A tree with sizes around the 512-byte block and names past ustar's 100 bytes (pax / GNU long names).
  static func makeTree(in tmp: TemporaryDirectory) throws -> URL {
    let source = tmp.file("src")
    let fm = FileManager.default
    let deep = "deep/" + String(repeating: "d", count: 90) + "/" + String(repeating: "e", count: 60)
    try fm.createDirectory(at: source.appendingPathComponent(deep), withIntermediateDirectories: true)
    let files: [(String, Int)] = [
      ("empty", 0), ("one", 1), ("block-1", 511), ("block", 512), ("block+1", 513),
      (String(repeating: "L", count: 150) + ".bin", 70_000), ("\(deep)/big.bin", (1 << 20) + 3),
    ]
    for (index, (name, size)) in files.enumerated() {
      try Data(ArchiveTestSupport.bytes(size, seed: UInt64(index + 1))).write(to: source.appendingPathComponent(name))
    }
    return source
  }

  /// Every regular entry's bytes read at the index's offset equal what TarReader streams for it.
  static func expectIndexMatchesReader(_ archive: URL) async throws {
    let index = try await TarIndex.build(archive: archive)
    let streamed = try await TarReader.withReader(archive: archive) { reader in
      var contents: [String: [UInt8]] = [:]
      while let entry = try reader.next() {
        if entry.type == .file { contents[entry.path] = try reader.readAll() }
      }
      return contents
    }
    let files = index.entries.filter { $0.entry.type == .file }
    #expect(files.count == streamed.count)
    #expect(files.contains { $0.path.utf8.count > 100 })
    for entry in files {
      let bytes = try index.readBlocking(entry)
      #expect(bytes == streamed[entry.path], "\(entry.path) at offset \(entry.dataOffset)")
    }
  }

  @Test("offsets of GNU tar archives", arguments: ["gnu", "pax"])
  func offsetsOfGNUTarArchives(_ format: String) async throws {
    let tmp = try TemporaryDirectory(prefix: "tar-index")
    defer { tmp.remove() }
    let source = try Self.makeTree(in: tmp)
    let archive = tmp.file("t.tar")
    try await Shell.checkAsync("tar", ["--format=\(format)", "-cf", archive.path, "-C", source.path, "."])
    try await Self.expectIndexMatchesReader(archive)
  }

  @Test("offsets of our own archives") func offsetsOfOurOwnArchives() async throws {
    let tmp = try TemporaryDirectory(prefix: "tar-index-own")
    defer { tmp.remove() }
    let source = try Self.makeTree(in: tmp)
    let archive = tmp.file("own.tar")
    let writer = try TarWriter(path: archive, compression: .none)
    for path in try FileManager.default.subpathsOfDirectory(atPath: source.path).sorted() {
      let url = source.appendingPathComponent(path)
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
      if !isDirectory.boolValue {
        try writer.addFile(at: url, as: path)
      }
    }
    try writer.finish()
    try await Self.expectIndexMatchesReader(archive)
  }

  @Test("compressed archives are refused") func compressedArchivesAreRefused() async throws {
    let tmp = try TemporaryDirectory(prefix: "tar-index-gz")
    defer { tmp.remove() }
    let source = try Self.makeTree(in: tmp)
    let archive = tmp.file("t.tar.gz")
    try await Shell.checkAsync("tar", ["-czf", archive.path, "-C", source.path, "."])
    await #expect(throws: ArchiveError.self) { try await TarIndex.build(archive: archive) }
    do {
      _ = try await TarIndex.build(archive: archive)
    } catch {
      #expect(error.code == .unsupportedFormat)
    }
  }
}
