import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

@testable import Bundles

/// A small bundle must not expand into a huge one on disk: sparse entries are refused everywhere, a
/// compressed bundle may expand only so far, `--work-dir` must have room for what the bundle declares before
/// anything is extracted, and extracted copies of runs that died are removed by the next run.
@Suite("bundles: sparse entries, compression bombs, work-dir space and stale copies")
struct BundleAmplificationTests {
  /// A tar (GNU format, `tar --sparse`) holding `models/big/big.bin`, a file of `size` bytes that is one hole,
  /// and a checksums.txt listing it, so that only the sparse entry is wrong.
  static func sparseTar(in directory: TemporaryDirectory, size: String) async throws -> URL {
    let source = directory.file("src")
    try FileManager.default.createDirectory(
      at: source.appendingPathComponent("models/big"), withIntermediateDirectories: true)
    let big = source.appendingPathComponent("models/big/big.bin")
    let truncate = try await Shell.runAsync("truncate", ["-s", size, big.path])
    try #require(truncate.status == 0, "\(truncate.stderr)")
    let sum = try await Shell.runAsync("sha256sum", ["models/big/big.bin"], currentDirectory: source)
    try #require(sum.status == 0, "\(sum.stderr)")
    try Data(sum.stdout.utf8).write(to: source.appendingPathComponent("checksums.txt"))
    let output = directory.file("sparse.tar")
    let tar = try await Shell.runAsync(
      "tar", ["--sparse", "--format=gnu", "-cf", output.path, "-C", source.path, "models/big/big.bin", "checksums.txt"])
    try #require(tar.status == 0, "\(tar.stderr)")
    let archiveSize = try #require(try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? NSNumber)
      .int64Value
    try #require(archiveSize < 1 << 20, "the sparse tar is small: \(archiveSize) bytes")
    return output
  }

  @Test("a sparse entry is refused by verify and extraction") func aSparseEntryIsRefusedByVerifyAndExtraction()
    async throws
  {
    let directory = try TemporaryDirectory(prefix: "servestack-sparse")
    let archive = try await Self.sparseTar(in: directory, size: "256M")
    let verification = try await BundleVerifier.verify(archive)
    #expect(!verification.isValid)
    #expect(
      verification.problems.contains { $0.kind == .archive && $0.message.contains("sparse") }, "\(verification.summary)"
    )
    #expect(verification.bytes < 1 << 20, "nothing of the hole was read: \(verification.bytes)")
    let destination = directory.file("out")
    await #expect(throws: ArchiveError.self) { _ = try await TarExtractor.extract(archive, to: destination) }
    #expect(!FileManager.default.fileExists(atPath: destination.appendingPathComponent("models/big/big.bin").path))
  }

  @Test(
    "a sparse entry is bad input for every bundle command",
    .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
  func aSparseEntryIsBadInputForEveryBundleCommand() async throws {
    let binary = try #require(TestEnvironment.servestackBinary).path
    let directory = try TemporaryDirectory(prefix: "servestack-sparse-cli")
    // 1 GiB keeps the test quick: sha256sum reads the whole hole to list it in checksums.txt.
    let archive = try await Self.sparseTar(in: directory, size: "1G")
    let work = directory.file("work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    for command in [["bundle", "verify"], ["bundle", "inspect"], ["bundle", "push"]] {
      let extra =
        command[1] == "push" ? ["--registry", "127.0.0.1:1/site", "--plain-http", "--work-dir", work.path] : []
      let result = try await Shell.runAsync(binary, command + [archive.path] + extra)
      #expect(result.status == 2, "\(command): \(result.stdout)\(result.stderr)")
      #expect((result.stdout + result.stderr).contains("sparse"), "\(command): \(result.stdout)\(result.stderr)")
    }
    #expect(filesUnder(work).isEmpty)
  }

  /// A gzip tar of one file of zeros: about a thousand times smaller than what it holds.
  static func zeroBomb(in directory: TemporaryDirectory, megabytes: Int) async throws -> URL {
    let source = directory.file("bomb")
    try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
    try Data(count: megabytes << 20).write(to: source.appendingPathComponent("zeros.bin"))
    let output = directory.file("bomb.tar.gz")
    let tar = try await Shell.runAsync("tar", ["-czf", output.path, "-C", source.path, "zeros.bin"])
    try #require(tar.status == 0, "\(tar.stderr)")
    return output
  }

  @Test("a compressed bundle that expands too much is refused") func aCompressedBundleThatExpandsTooMuchIsRefused()
    async throws
  {
    // The default: 100:1 once 64 MiB are decompressed (gzip's own ceiling is about 1000:1).
    #expect(ArchiveLimits().maxExpansionRatio == 100)
    #expect(ArchiveLimits().expansionAllowance == 64 << 20)
    #expect(BundleVerifier.defaultLimits.maxExpansionRatio == 100)
    let directory = try TemporaryDirectory(prefix: "servestack-bomb")
    let bomb = try await Self.zeroBomb(in: directory, megabytes: 8)
    var limits = BundleVerifier.defaultLimits
    limits.maxExpansionRatio = 10
    limits.expansionAllowance = 1 << 20
    let verification = try await BundleVerifier.verify(bomb, limits: limits)
    #expect(
      verification.problems.contains { $0.kind == .archive && $0.message.contains("expands") },
      "\(verification.summary)")
    #expect(verification.bytes < 4 << 20, "stopped early: \(verification.bytes)")
    await #expect(throws: ArchiveError.self) {
      _ = try await TarExtractor.extract(bomb, to: directory.file("out"), limits: limits)
    }
    // Under the default allowance the same archive is not an expansion problem (other problems aside).
    let relaxed = try await BundleVerifier.verify(bomb)
    #expect(!relaxed.problems.contains { $0.message.contains("expands") }, "\(relaxed.summary)")
  }

  @Test(
    "the work dir must hold the bundle before anything is extracted",
    .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
  func theWorkDirMustHoldTheBundleBeforeAnythingIsExtracted() async throws {
    let world = try await BundleWorld()
    let created = try await world.create("b.tar.gz", compression: .gzip)
    let work = world.directory.file("work")
    var options = BundlePushOptions(registry: "127.0.0.1:1/site")
    options.workDirectory = work
    options.freeSpace = { _ in 100_000 }
    do {
      _ = try await BundlePusher.extractVerified(created.output, options: options)
      Issue.record("a work dir without room must be refused")
    } catch {
      #expect(error.message.contains("has 97.7 KiB free"), "\(error.message)")
      #expect(error.message.contains("--work-dir"), "\(error.message)")
    }
    #expect(filesUnder(work).isEmpty, "nothing extracted: \(filesUnder(work))")
  }

  @Test(
    "copies of runs that died are removed by the next run",
    .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
  func copiesOfRunsThatDiedAreRemovedByTheNextRun() async throws {
    let world = try await BundleWorld()
    let created = try await world.create("b.tar.gz", compression: .gzip)
    let work = world.directory.file("work")
    // A copy whose process is gone (killed: its marker names a PID that no longer runs) and one whose
    // process still runs (this one).
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    try world.directory.write("work/servestack-bundle-deadbeef/images/blobs/sha256/x", "left by a killed run")
    try world.directory.write("work/servestack-bundle-deadbeef.pid", "\(finished.processIdentifier)\n")
    try world.directory.write("work/servestack-bundle-a11ve000/bundle.yaml", "still in use")
    try world.directory.write("work/servestack-bundle-a11ve000.pid", "\(ProcessInfo.processInfo.processIdentifier)\n")

    var options = BundlePushOptions(registry: "127.0.0.1:1/site")
    options.workDirectory = work
    let extracted = try await BundlePusher.extractVerified(created.output, options: options)
    let name = extracted.root.lastPathComponent
    #expect(name.hasPrefix("servestack-bundle-"))
    let marker = try String(contentsOf: work.appendingPathComponent(name + ".pid"), encoding: .utf8)
    #expect(marker == "\(ProcessInfo.processInfo.processIdentifier)\n")
    let top = Set(try FileManager.default.contentsOfDirectory(atPath: work.path))
    #expect(top == [name, name + ".pid", "servestack-bundle-a11ve000", "servestack-bundle-a11ve000.pid"], "\(top)")
    // Normal end: the copy and its marker go.
    extracted.remove()
    #expect(
      Set(try FileManager.default.contentsOfDirectory(atPath: work.path)) == [
        "servestack-bundle-a11ve000", "servestack-bundle-a11ve000.pid",
      ])
  }
}
