import Archive
import Bundles
import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

/// `bundle create` without a cache directory: every blob downloaded straight into its place in the tarball
/// (written once), the unfinished tarball being the resumable store.
@Suite("bundle create straight into the tarball", .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleDirectCreateTests {
  static func blobs(_ bundle: URL) async throws -> [String] {
    try await TarReader.list(archive: bundle).map(\.path).filter { $0.hasPrefix("images/blobs/") }.sorted()
  }

  @Test("writes every blob once and matches the cached bundle") func writesEveryBlobOnceAndMatchesTheCachedBundle()
    async throws
  {
    let world = try await BundleWorld()
    let cached = try await world.create("cached.tar")
    let direct = try await world.create("direct.tar") { $0.cacheDirectory = nil }
    let verification = try await BundleVerifier.verify(direct.output)
    #expect(verification.isValid, "\(verification.summary)")
    #expect(try await Self.blobs(direct.output) == Self.blobs(cached.output))
    #expect(direct.descriptor.totals == cached.descriptor.totals)
    #expect(direct.blobsDownloaded == cached.blobsDownloaded)
    // Nothing is left next to the bundle: no unfinished tarball, journal or work folder.
    #expect(filesUnder(world.directory.url).filter { $0.hasPrefix(".") }.isEmpty, "\(filesUnder(world.directory.url))")
    let inspection = try await BundleInspector.inspect(direct.output)
    #expect(inspection.images.count == 5)
    #expect(
      inspection.entriesRead < (try await TarReader.list(archive: direct.output)).count, "manifests and configs first")
  }

  @Test(
    "a create killed midway resumes from the tarball and downloads only the rest",
    .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
  func aCreateKilledMidwayResumesFromTheTarballAndDownloadsOnlyTheRest() async throws {
    let world = try await BundleWorld(baseSize: 24_000_000, layerSize: 16_000_000)
    let directory = world.directory
    let binary = try #require(TestEnvironment.servestackBinary).path
    // The same bundle, uninterrupted, for comparison.
    let reference = try await world.create("reference.tar") { $0.cacheDirectory = nil }
    try directory.write("spec.yaml", BundleCreateCommandTests.spec)
    let output = directory.file("out/b.tar")
    let journal = directory.file("out/.b.tar.partial.journal")
    let arguments = [
      "bundle", "create", "--spec", directory.file("spec.yaml").path, "--phases", world.phasesDirectory.path,
      "--registry-mirror", "docker.io=http://\(world.source.host)/hub", "--registry-mirror",
      "quay.io=http://\(world.source.host)/quay",
      "--model", "sklearn-iris=\(world.modelFile.path)", "--no-self-image", "--parallel", "1", "-o", output.path,
    ]
    let environment = BundleCreateCommandTests.environment(directory)
    let first = try ChildProcess(binary, arguments, environment: environment)
    func journaled() -> [String] {
      let text = (try? String(contentsOf: journal, encoding: .utf8)) ?? ""
      return text.split(separator: "\n").dropFirst().map(String.init)
    }
    let deadline = Date().addingTimeInterval(60)
    while journaled().count < 3 && Date() < deadline { usleep(1000) }
    first.signal(SIGKILL)
    _ = first.waitForExit()
    let done = journaled()
    try #require(done.count >= 3, "three blobs were written before the kill: \(first.logTail())")
    try #require(!FileManager.default.fileExists(atPath: output.path), "killed before the end")
    #expect(FileManager.default.fileExists(atPath: directory.file("out/.b.tar.partial").path))
    let getsBefore = done.map {
      world.source.requestCount(method: "GET", pathContaining: "/blobs/sha256:\($0.split(separator: "/").last ?? "") ")
    }

    let second = try await Shell.runAsync(binary, arguments, environment: environment)
    #expect(second.status == 0, "\(second.stderr)")
    let verification = try await BundleVerifier.verify(output)
    #expect(verification.isValid, "\(verification.summary)")
    #expect(try await Self.blobs(output) == Self.blobs(reference.output))
    for (path, before) in zip(done, getsBefore) {
      let hex = path.split(separator: "/").last ?? ""
      #expect(
        world.source.requestCount(method: "GET", pathContaining: "/blobs/sha256:\(hex) ") == before,
        "\(path) was kept from the killed run, not downloaded again")
    }
    #expect(!FileManager.default.fileExists(atPath: journal.path))
    #expect(filesUnder(directory.file("out")) == ["b.tar"])
  }

  @Test("a partial tarball of another layout is started over") func aPartialTarballOfAnotherLayoutIsStartedOver()
    async throws
  {
    let world = try await BundleWorld()
    let output = world.directory.file("b.tar")
    try world.directory.write(".b.tar.partial", String(repeating: "x", count: 5000))
    try world.directory.write(
      ".b.tar.partial.journal",
      "servestack-bundle-partial 1 \(String(repeating: "0", count: 64))\nimages/blobs/sha256/\(String(repeating: "1", count: 64))\n"
    )
    let created = try await world.create("b.tar") { $0.cacheDirectory = nil }
    #expect(created.blobsCached == 0)
    let verification = try await BundleVerifier.verify(output)
    #expect(verification.isValid, "\(verification.summary)")
  }
}
