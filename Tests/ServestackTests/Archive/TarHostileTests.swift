import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

/// One crafted archive, what extracting it must fail with, and under which limits.
struct HostileCase: Sendable, CustomTestStringConvertible {
  let name: String
  let code: ArchiveError.Code
  /// A piece of the offending entry's path, which the error must name (nil: the error is about the archive).
  let entry: String?
  var limits = ArchiveLimits()
  var allowSymlinks = true
  var fileName = "hostile.tar"

  var testDescription: String { "\(name) → \(code)" }
}

/// Crafted archives (made by Resources/Archive/make_hostile.py): each must fail with the right code and a
/// message naming the entry, and leave everything outside the destination untouched.
@Suite(.enabled(if: TestEnvironment.which("python3") != nil, "needs python3"))
struct TarHostileTests {
  static let small = ArchiveLimits(maxEntrySize: 1 << 20, maxTotalSize: 4 << 20, maxEntries: 10, maxPathLength: 300)
  static let bombLimits = ArchiveLimits(maxEntrySize: 16 << 20, maxTotalSize: 64 << 20)

  static let cases: [HostileCase] = [
    HostileCase(name: "absolute", code: .absolutePath, entry: "pwned"),
    HostileCase(name: "dotdot", code: .parentTraversal, entry: "../outside"),
    HostileCase(name: "nested-dotdot", code: .parentTraversal, entry: "a/../../outside"),
    HostileCase(name: "dotslash-dotdot", code: .parentTraversal, entry: ".//a/./../.."),
    HostileCase(name: "symlink-etc", code: .linkOutsideDestination, entry: "etc"),
    HostileCase(name: "symlink-up", code: .linkOutsideDestination, entry: "d/up"),
    HostileCase(name: "symlink-then-file", code: .linkOutsideDestination, entry: "link"),
    HostileCase(name: "inside-symlink-then-file", code: .pathThroughSymlink, entry: "link/evil"),
    HostileCase(
      name: "inside-symlink-then-file", code: .symlinkNotAllowed, entry: "link", allowSymlinks: false),
    HostileCase(name: "symlink-chain", code: .linkOutsideDestination, entry: "l2"),
    HostileCase(name: "file-through-existing-link", code: .pathThroughSymlink, entry: "planted/evil"),
    HostileCase(name: "hardlink-etc", code: .linkOutsideDestination, entry: "passwd"),
    HostileCase(name: "hardlink-up", code: .linkOutsideDestination, entry: "stolen"),
    HostileCase(name: "hardlink-missing", code: .invalidLink, entry: "x"),
    HostileCase(name: "chardev", code: .deviceFile, entry: "null"),
    HostileCase(name: "blockdev", code: .deviceFile, entry: "sda"),
    HostileCase(name: "fifo", code: .deviceFile, entry: "pipe"),
    HostileCase(name: "huge-header", code: .entryTooLarge, entry: "huge.bin"),
    HostileCase(name: "over-limit", code: .entryTooLarge, entry: "big.bin", limits: small),
    HostileCase(name: "too-many", code: .tooManyEntries, entry: "f010.txt", limits: small),
    HostileCase(name: "long-path", code: .pathTooLong, entry: "d/xxx", limits: small),
    HostileCase(name: "duplicate", code: .duplicateEntry, entry: "a.txt"),
    HostileCase(name: "file-over-dir", code: .duplicateEntry, entry: "d"),
    HostileCase(name: "empty-name", code: .invalidPath, entry: nil),
    HostileCase(name: "truncated", code: .corrupt, entry: "data.bin"),
    HostileCase(name: "truncated-gzip", code: .corrupt, entry: "data.bin", fileName: "hostile.tar.gz"),
    HostileCase(name: "garbage", code: .corrupt, entry: nil),
    HostileCase(name: "zip", code: .unsupportedFormat, entry: nil, fileName: "hostile.zip"),
    HostileCase(
      name: "gzip-bomb", code: .entryTooLarge, entry: "bomb.bin", limits: bombLimits, fileName: "bomb.tar.gz"),
    HostileCase(
      name: "gzip-bomb-many", code: .totalTooLarge, entry: "part16.bin", limits: bombLimits, fileName: "bomb.tar.gz"),
  ]

  @Test("hostile archive is refused", arguments: cases)
  func hostileArchiveIsRefused(_ hostile: HostileCase) async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-hostile")
    let destination = tmp.file("dest")
    let outside = tmp.file("outside")
    try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
    try tmp.write("outside/sentinel.txt", "sentinel\n")
    if hostile.name == "file-through-existing-link" {
      try FileManager.default.createSymbolicLink(
        atPath: destination.appendingPathComponent("planted").path, withDestinationPath: outside.path)
    }
    let archive = tmp.file(hostile.fileName)
    try await ArchiveTestSupport.makeHostile(hostile.name, to: archive, outside: outside)

    do {
      let result = try await TarExtractor.extract(
        archive, to: destination, limits: hostile.limits, allowSymlinks: hostile.allowSymlinks)
      Issue.record("extraction succeeded: \(result.entries)")
    } catch {
      #expect(error.code == hostile.code, "\(error)")
      #expect(error.category == .input)
      let text = error.errorDescription ?? ""
      if let entry = hostile.entry {
        #expect(error.entryPath?.contains(entry) == true, "error does not name the entry: \(text)")
        #expect(text.contains(entry), "message does not name the entry: \(text)")
      }
      #expect(text.contains(archive.path))
    }

    // Nothing outside the destination changed, and nothing inside points out of it.
    #expect(try ArchiveTestSupport.tree(outside) == ["sentinel.txt": Digest.sha256("sentinel\n").hex])
    for path in ["pwned", "evil", "stolen"] {
      #expect(!FileManager.default.fileExists(atPath: tmp.file(path).path))
    }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted()
        == ["dest", "outside", hostile.fileName].sorted())
    let planted = hostile.name == "file-through-existing-link"
    for (path, kind) in try ArchiveTestSupport.tree(destination) where kind.hasPrefix("link:") {
      #expect(planted || !kind.contains("outside") && !kind.hasPrefix("link:/"), "\(path) -> \(kind)")
    }
    if hostile.name == "inside-symlink-then-file" {
      #expect(!FileManager.default.fileExists(atPath: destination.appendingPathComponent("sub/evil").path))
    }
    if hostile.name == "duplicate" {
      #expect(try String(contentsOf: destination.appendingPathComponent("a.txt"), encoding: .utf8) == "first\n")
    }
    if hostile.name.hasPrefix("gzip-bomb") {
      let written = try ArchiveTestSupport.tree(destination).count
      #expect(written <= 16, "the bomb wrote \(written) files")
    }
  }

  @Test("setuid setgid and sticky bits are stripped") func setuidSetgidAndStickyBitsAreStripped() async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-suid")
    let archive = tmp.file("suid.tar")
    try await ArchiveTestSupport.makeHostile("setuid", to: archive, outside: tmp.file("outside"))
    let entries = try await TarReader.list(archive: archive)
    #expect(entries.first { $0.path == "sticky/suid" }?.mode == 0o4755, "the reader reports the mode as stored")
    let out = tmp.file("out")
    let result = try await TarExtractor.extract(archive, to: out)
    #expect(result.files == 2)
    func mode(_ path: String) throws -> Int {
      try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(path).path)[.posixPermissions]
        as? Int ?? -1
    }
    #expect(try mode("sticky") == 0o777)
    #expect(try mode("sticky/suid") == 0o755)
    #expect(try mode("sgid") == 0o750)
  }
}
