import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("TarHeaderBlock")
struct TarHeaderBlockTests {
  /// An archive made of TarHeaderBlock headers, data and padding at computed offsets.
  static func assemble(_ files: [(String, [UInt8])]) throws -> [UInt8] {
    var archive: [UInt8] = []
    for (path, bytes) in files {
      archive += try TarHeaderBlock.regularFile(path: path, size: Int64(bytes.count))
      archive += bytes + [UInt8](repeating: 0, count: Int(TarHeaderBlock.padding(Int64(bytes.count))))
    }
    return archive + TarHeaderBlock.endOfArchive(at: Int64(archive.count))
  }

  @Test("short names read back like tar writer entries") func shortNamesReadBackLikeTarWriterEntries() async throws {
    let tmp = try TemporaryDirectory(prefix: "tar-header")
    let files: [(String, [UInt8])] = [
      ("bundle.yaml", Array("name: x\n".utf8)), ("empty", []), ("block", ArchiveTestSupport.bytes(512, seed: 1)),
      ("images/blobs/sha256/" + String(repeating: "a", count: 64), ArchiveTestSupport.bytes(70_001, seed: 2)),
    ]
    try Data(try Self.assemble(files)).write(to: tmp.file("short.tar"))
    let read = try await TarReader.withReader(archive: tmp.file("short.tar")) { reader in
      var contents: [(String, [UInt8])] = []
      while let entry = try reader.next() { contents.append((entry.path, try reader.readAll(maxBytes: 1 << 20))) }
      return contents
    }
    #expect(read.map(\.0) == files.map(\.0))
    #expect(read.map(\.1) == files.map(\.1))
    #expect(try Self.assemble(files).count % 10_240 == 0, "padded to whole records like TarWriter's")
  }

  @Test("long names get a pax header that readers understand") func longNamesGetAPaxHeaderThatReadersUnderstand()
    async throws
  {
    let tmp = try TemporaryDirectory(prefix: "tar-header")
    let long = "manifests/" + String(repeating: "n", count: 120) + "/file.yaml"
    let files: [(String, [UInt8])] = [(long, ArchiveTestSupport.bytes(1000, seed: 3)), ("after", [1, 2, 3])]
    try Data(try Self.assemble(files)).write(to: tmp.file("long.tar"))
    let read = try await TarReader.withReader(archive: tmp.file("long.tar")) { reader in
      var contents: [(String, [UInt8])] = []
      while let entry = try reader.next() { contents.append((entry.path, try reader.readAll(maxBytes: 1 << 20))) }
      return contents
    }
    #expect(read.map(\.0) == [long, "after"])
    #expect(read.map(\.1) == files.map(\.1))
    let index = try await TarIndex.build(archive: tmp.file("long.tar"))
    #expect(index.entries.map(\.path) == [long, "after"])
  }

  @Test("refuses names the writer refuses") func refusesNamesTheWriterRefuses() {
    #expect(throws: ArchiveError.self) { try TarHeaderBlock.regularFile(path: "../x", size: 1) }
    #expect(throws: ArchiveError.self) { try TarHeaderBlock.regularFile(path: "/etc/x", size: 1) }
  }
}
