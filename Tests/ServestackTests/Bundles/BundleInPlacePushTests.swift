import Archive
import Bundles
import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

/// `bundle push` of an uncompressed bundle: blobs go up from byte ranges of the tarball, nothing is
/// extracted, and a corrupt blob is caught while it is sent.
@Suite("Bundle push in place from the tarball", .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleInPlacePushTests {
  static let bothPlatforms = [Platform.linuxAMD64, Platform.linuxARM64]

  /// Push options for `registry`; `chunked` makes every blob over 20 KB go in 16 KiB PATCH chunks.
  static func pushOptions(_ registry: TestRegistry, chunked: Bool = false) -> BundlePushOptions {
    var options = BundlePushOptions(registry: "\(registry.host)/site")
    options.registryOptions = testOptions()
    if chunked {
      options.registryOptions.monolithicLimit = 20_000
      options.registryOptions.chunkSize = 16 << 10
    }
    return options
  }

  /// A copy of `bundle` with one byte of `path`'s data flipped.
  static func corrupting(_ bundle: URL, path: String, as name: String) async throws -> URL {
    let copy = bundle.deletingLastPathComponent().appendingPathComponent(name)
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: bundle, to: copy)
    let index = try await TarIndex.build(archive: copy)
    let entry = try #require(index.entries.first { $0.path == path })
    let handle = try FileHandle(forUpdating: copy)
    defer { try? handle.close() }
    let offset = UInt64(entry.dataOffset + entry.size / 2)
    try handle.seek(toOffset: offset)
    let byte = try #require(try handle.read(upToCount: 1)?.first)
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: Data([byte ^ 0x01]))
    return copy
  }

  @Test("a multi arch bundle goes up from the tarball with the same digests", arguments: [false, true])
  func aMultiArchBundleGoesUpFromTheTarballWithTheSameDigests(chunked: Bool) async throws {
    let world = try await BundleWorld()
    let created = try await world.create { $0.platforms = Self.bothPlatforms }
    let multi = try #require(created.descriptor.images.first { $0.name == BundleWorld.multi })
    #expect(multi.digest == world.images.index.digest, "both platforms kept: the upstream index")

    let target = try await TestRegistry.start()
    var options = Self.pushOptions(target, chunked: chunked)
    let work = world.directory.file("work")
    options.workDirectory = work
    let pushed = try await BundlePusher.push(bundle: created.output, options: options)
    #expect(!FileManager.default.fileExists(atPath: work.path), "nothing is extracted")
    #expect(pushed.verification.isValid)
    let imageCount = created.descriptor.images.count + created.descriptor.models.count
    #expect(pushed.push.images.count == imageCount, "the images and the modelcar")
    #expect(pushed.push.blobsUploaded >= 6, "base, two platform layers, single layer, configs")
    if chunked {
      #expect(target.requestCount(method: "PATCH", pathContaining: "/blobs/uploads/") > 10)
    }

    let client = try RegistryClient(host: target.host, options: testOptions())
    for image in created.descriptor.images {
      let reference = try ImageReference(image.name).rewritten(toRegistry: "\(target.host)/site")
      let found = try await client.manifestDescriptor(
        repository: reference.repository, reference: reference.tag ?? image.digest.description)
      #expect(found?.digest == image.digest, "\(image.name) resolves in the target with its digest")
    }
    // Every blob of both platforms is there, byte-exact (the registry checked each digest on upload).
    let multiRepository = "site/testorg/app-multi"
    for blob in world.images.multiBlobs {
      #expect(try await client.blobExists(repository: multiRepository, digest: blob.digest), "\(blob.digest)")
    }
    let arm64 = try await client.manifest(repository: multiRepository, reference: world.images.arm64.digest.description)
    #expect(arm64.digest == world.images.arm64.digest)

    // A second push uploads no blob and puts no manifest.
    let postsBefore = target.requestCount(method: "POST", pathContaining: "/blobs/uploads/")
    let second = try await BundlePusher.push(bundle: created.output, options: options)
    #expect(second.push.blobsUploaded == 0)
    #expect(second.push.manifestsPut == 0)
    #expect(second.push.imagesAlreadyThere == imageCount)
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == postsBefore)
  }

  @Test("a blob with one changed byte is refused and its image is not pushed", arguments: [false, true])
  func aBlobWithOneChangedByteIsRefusedAndItsImageIsNotPushed(chunked: Bool) async throws {
    let world = try await BundleWorld()
    let created = try await world.create()
    // The layer only app-single has (not the base every image shares).
    let layer = try #require(world.images.single.layers.last)
    let path = BundleLayout.blobPath(layer.digest)
    let corrupt = try await Self.corrupting(created.output, path: path, as: "corrupt.tar")

    let target = try await TestRegistry.start()
    await #expect {
      _ = try await BundlePusher.push(bundle: corrupt, options: Self.pushOptions(target, chunked: chunked))
    } throws: { error in
      guard let error = error as? BundleError else { return false }
      return error.code == .verificationFailed && error.message.contains(path)
    }
    let client = try RegistryClient(host: target.host, options: testOptions())
    let repository = "site/testorg/app-single"
    #expect(try await client.manifestDescriptor(repository: repository, reference: "1.0") == nil)
    #expect(
      try await client.manifestDescriptor(repository: repository, reference: world.images.single.digest.description)
        == nil)
    #expect(try await client.blobExists(repository: repository, digest: layer.digest) == false)
    // `bundle verify` names the same file.
    let verification = try await BundleVerifier.verify(corrupt)
    #expect(verification.problems.contains { $0.kind == .blobMismatch && $0.path == path })
  }

  @Test("a changed manifest or phase is refused before anything is sent")
  func aChangedManifestOrPhaseIsRefusedBeforeAnythingIsSent() async throws {
    let world = try await BundleWorld()
    let created = try await world.create()
    let target = try await TestRegistry.start()
    let manifestPath = BundleLayout.blobPath(world.images.single.digest)
    for (path, name) in [(manifestPath, "manifest.tar"), ("manifests/demo/v1/demo.yaml", "phase.tar")] {
      let corrupt = try await Self.corrupting(created.output, path: path, as: name)
      await #expect {
        _ = try await BundlePusher.push(bundle: corrupt, options: Self.pushOptions(target))
      } throws: { error in
        guard let error = error as? BundleError else { return false }
        return error.code == .verificationFailed && error.message.contains("nothing was pushed")
          && error.message.contains(path)
      }
    }
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == 0)
    #expect(target.requestCount(method: "PUT", pathContaining: "/manifests/") == 0)
  }
}
