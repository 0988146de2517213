import Archive
import Foundation
import TestSupport
import Testing

/// What we write, GNU tar reads; what GNU tar writes (gnu, pax and ustar formats, long names, links), we read.
@Suite(.enabled(if: TestEnvironment.which("tar") != nil, "needs GNU tar on PATH"))
struct TarInteropTests {
  static func flag(_ compression: TarCompression) -> [String] {
    switch compression {
    case .none: []
    case .gzip: ["-z"]
    case .zstd: ["--zstd"]
    }
  }

  @Test("gnu tar reads what we write", arguments: TarCompression.allCases)
  func gnuTarReadsWhatWeWrite(_ compression: TarCompression) async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-gnu-read")
    let sample = try SampleArchive(in: tmp.url)
    let archive = tmp.file("ours.\(compression.fileExtension)")
    try sample.write(to: archive, compression: compression)

    let listing = try await Shell.checkAsync("tar", Self.flag(compression) + ["-tvf", archive.path])
    #expect(listing.contains(sample.longName))
    #expect(listing.contains("latest -> index.json"))
    for line in listing.split(separator: "\n") {
      #expect(line.contains(" 0/0 "), "uid/gid must be 0/0: \(line)")
      #expect(line.contains("1970-01-01"), "mtime must be the epoch: \(line)")
    }
    let out = tmp.file("gnu-out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try await Shell.checkAsync("tar", Self.flag(compression) + ["-xf", archive.path, "-C", out.path])
    #expect(try ArchiveTestSupport.tree(out) == sample.expected)
  }

  @Test("we read what GNU tar writes", arguments: ["gnu", "pax", "ustar", "gnu+gzip", "pax+zstd"])
  func weReadWhatGNUTarWrites(_ variant: String) async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-gnu-write")
    let source = tmp.file("src")
    let fm = FileManager.default
    // ustar can hold names up to 255 bytes only when split at a '/', so its long names are shorter.
    let long = variant == "ustar" ? String(repeating: "L", count: 95) : String(repeating: "L", count: 150)
    let deepDir = "deep/" + String(repeating: "d", count: 90) + "/" + String(repeating: "e", count: 50)
    try fm.createDirectory(at: source.appendingPathComponent(deepDir), withIntermediateDirectories: true)
    try Data(ArchiveTestSupport.bytes(70_000, seed: 7)).write(to: source.appendingPathComponent("\(long).bin"))
    try Data("deep file".utf8).write(to: source.appendingPathComponent("\(deepDir)/f.txt"))
    try Data("plain".utf8).write(to: source.appendingPathComponent("plain.txt"))
    try fm.createSymbolicLink(atPath: source.appendingPathComponent("link").path, withDestinationPath: "plain.txt")
    try fm.linkItem(at: source.appendingPathComponent("plain.txt"), to: source.appendingPathComponent("hard.txt"))

    let parts = variant.split(separator: "+").map(String.init)
    let compression = parts.count > 1 ? TarCompression(rawValue: parts[1]) ?? .none : .none
    let archive = tmp.file("gnu.\(compression.fileExtension)")
    try await Shell.checkAsync(
      "tar", Self.flag(compression) + ["--format=\(parts[0])", "-cf", archive.path, "-C", source.path, "."])

    let entries = try await TarReader.list(archive: archive)
    #expect(entries.contains { $0.path.hasSuffix("\(long).bin") && $0.size == 70_000 && $0.type == .file })
    #expect(entries.contains { $0.type == .hardlink })
    #expect(entries.contains { $0.type == .symlink && $0.linkTarget == "plain.txt" })

    let out = tmp.file("ours-out")
    let result = try await TarExtractor.extract(archive, to: out)
    #expect(try ArchiveTestSupport.tree(out) == (try ArchiveTestSupport.tree(source)))
    #expect(result.entries.contains("\(deepDir)/f.txt"))
    var info = stat()
    #expect(stat(out.appendingPathComponent("hard.txt").path, &info) == 0 && info.st_nlink == 2)
  }
}
