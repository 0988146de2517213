import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite struct TarRoundTripTests {
  @Test("write read extract", arguments: TarCompression.allCases)
  func writeReadExtract(_ compression: TarCompression) async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-rt")
    let sample = try SampleArchive(in: tmp.url)
    let archive = tmp.file("out.\(compression.fileExtension)")
    try sample.write(to: archive, compression: compression)
    #expect(try TarCompression.detect(fileAt: archive) == compression)

    // Read back: every header and every byte.
    let reader = try TarReader(path: archive)
    #expect(reader.compression == compression)
    var read: [String: String] = [:]
    while let entry = try reader.next() {
      let path = entry.path.hasSuffix("/") ? String(entry.path.dropLast()) : entry.path
      #expect(entry.modificationTime == Date(timeIntervalSince1970: 0))
      switch entry.type {
      case .directory:
        read[path] = "dir"
        #expect(entry.mode == 0o755)
      case .symlink: read[path] = "link:" + (entry.linkTarget ?? "")
      case .file:
        var hasher = SHA256Stream()
        try reader.readData { hasher.update($0) }
        #expect(hasher.count == entry.size)
        read[path] = hasher.finalize().hex
        #expect(entry.mode == 0o644)
      default: Issue.record("unexpected \(entry.type) \(entry.path)")
      }
    }
    #expect(read == sample.expected)
    #expect(reader.entryCount == sample.expected.count)

    // Extract and compare the tree.
    let out = tmp.file("extracted")
    let result = try await TarExtractor.extract(archive, to: out)
    #expect(try ArchiveTestSupport.tree(out) == sample.expected)
    #expect(result.files == 9)
    #expect(result.directories == 2)
    #expect(result.symlinks == 1)
    let fileBytes: Int64 = 1 + 511 + 512 + 513 + (1 << 20) + 3
    #expect(result.bytes == fileBytes + 4 + 19 + 30)
    #expect(result.entries.contains("index.json"))
  }

  @Test("same input gives same bytes", arguments: TarCompression.allCases)
  func sameInputGivesSameBytes(_ compression: TarCompression) throws {
    let tmp = try TemporaryDirectory(prefix: "archive-det")
    let sample = try SampleArchive(in: tmp.url)
    let first = tmp.file("1.tar")
    let second = tmp.file("2.tar")
    try sample.write(to: first, compression: compression)
    // Source times and the clock must not leak into the archive.
    for i in 0..<6 {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -86_400 * Double(i + 1))],
        ofItemAtPath: sample.source.appendingPathComponent("file\(i)").path)
    }
    try sample.write(to: second, compression: compression)
    let a = try Data(contentsOf: first)
    let b = try Data(contentsOf: second)
    #expect(a == b)
    if compression == .gzip {
      #expect(Array(a[4..<8]) == [0, 0, 0, 0], "gzip header must carry no timestamp")
    }
  }

  @Test("for each entry streams on the executor") func forEachEntryStreamsOnTheExecutor() async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-each")
    let sample = try SampleArchive(in: tmp.url)
    let archive = tmp.file("a.tar.zst")
    try sample.write(to: archive, compression: .zstd)
    let hashes = try await TarReader.withReader(archive: archive) { reader in
      var hashes: [String: String] = [:]
      while let entry = try reader.next() {
        if entry.type == .file { hashes[entry.path] = Digest.sha256(try reader.readAll()).hex }
      }
      return hashes
    }
    #expect(hashes["index.json"] == sample.expected["index.json"])
    #expect(hashes.count == 9)
    let listed = try await TarReader.list(archive: archive)
    #expect(listed.count == sample.expected.count)
    try await TarReader.forEachEntry(archive: archive) { entry, reader in
      if entry.path == "oci-layout" {
        let text = String(decoding: try reader.readAll(), as: UTF8.self)
        #expect(text.contains("imageLayoutVersion"))
      }
    }
  }

  @Test("writer refuses hostile names and misuse") func writerRefusesHostileNamesAndMisuse() throws {
    let tmp = try TemporaryDirectory(prefix: "archive-wr")
    let archive = tmp.file("w.tar")
    let writer = try TarWriter(path: archive, compression: .none)
    let cases: [(String, ArchiveError.Code)] = [
      ("/etc/passwd", .absolutePath), ("../x", .parentTraversal), ("a/../../x", .parentTraversal),
      ("", .invalidPath), ("./", .invalidPath), ("a\u{0}b", .invalidPath),
    ]
    for (path, code) in cases {
      do {
        try writer.addData([1], as: path)
        Issue.record("'\(path)' was written")
      } catch {
        #expect(error.code == code, "\(path)")
      }
    }
    for (path, target) in [("l", "/etc"), ("d/l", "../../x"), ("l2", "a/../b")] {
      do {
        try writer.addSymlink(path, target: target)
        Issue.record("symlink \(path) -> \(target) was written")
      } catch {
        #expect(error.code == .linkOutsideDestination)
      }
    }
    // Failed validations leave the writer usable.
    try writer.addData([1, 2, 3], as: "ok")
    do { try writer.addData([1], as: "./ok") } catch { #expect(error.code == .duplicateEntry) }
    try writer.finish()
    do { try writer.addData([1], as: "late") } catch { #expect(error.code == .misuse) }
    #expect(try ArchiveTestSupport.tree(tmp.url).keys.contains("w.tar"))
  }

  @Test("abandoned or failed writer leaves no file") func abandonedOrFailedWriterLeavesNoFile() throws {
    let tmp = try TemporaryDirectory(prefix: "archive-abandon")
    let abandoned = tmp.file("abandoned.tar.zst")
    do {
      let writer = try TarWriter(path: abandoned, compression: .zstd)
      try writer.addData([1, 2, 3], as: "x")
    }
    #expect(!FileManager.default.fileExists(atPath: abandoned.path))

    let short = tmp.file("short.tar")
    do {
      let writer = try TarWriter(path: short, compression: .none)
      do {
        try writer.addStream(as: "s", size: 10) { write in try [1, 2, 3].withUnsafeBytes { try write($0) } }
        Issue.record("a short stream was accepted")
      } catch let error as ArchiveError {
        #expect(error.code == .misuse)
      }
      do { try writer.finish() } catch { #expect(error.code == .misuse) }
    }
    #expect(!FileManager.default.fileExists(atPath: short.path))
    do {
      _ = try TarWriter(path: tmp.file("x.tar.gz"), compression: .gzip, compressionLevel: 42)
      Issue.record("level 42 was accepted")
    } catch {
      #expect(error.code == .misuse)
    }
  }

  @Test("detects compression and refuses other formats") func detectsCompressionAndRefusesOtherFormats() throws {
    let tmp = try TemporaryDirectory(prefix: "archive-detect")
    let xz = tmp.file("a.xz")
    try Data([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0, 0]).write(to: xz)
    do {
      _ = try TarCompression.detect(fileAt: xz)
      Issue.record("xz was accepted")
    } catch {
      #expect(error.code == .unsupportedFormat)
      #expect(error.category == .input)
    }
    do {
      _ = try TarReader(path: tmp.file("missing.tar"))
      Issue.record("a missing file was opened")
    } catch {
      #expect(error.code == .io)
      #expect(error.category == .failed)
      #expect(error.errorDescription?.contains("missing.tar") == true)
    }
  }

  @Test("cancellation stops extraction") func cancellationStopsExtraction() async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-cancel")
    let sample = try SampleArchive(in: tmp.url)
    let archive = tmp.file("a.tar")
    try sample.write(to: archive, compression: .none)
    let out = tmp.file("out")
    let task = Task { () async throws(ArchiveError) -> ExtractionResult in
      try? await Task.sleep(for: .seconds(5))
      return try await TarExtractor.extract(archive, to: out)
    }
    task.cancel()
    let result = await task.result
    #expect(throws: ArchiveError.self) { try result.get() }
    if case .failure(let error) = result { #expect((error as? ArchiveError)?.code == .cancelled, "\(error)") }
  }
}
