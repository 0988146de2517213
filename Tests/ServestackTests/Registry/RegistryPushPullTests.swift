import Foundation
import HTTP
import Registry
import ServestackCore
import Synchronization
import TestSupport
import Testing

@Suite(
  "Registry push and pull against docker-registry",
  .enabled(if: TestRegistry.isAvailable, "needs Debian's docker-registry (apt-get install docker-registry)"))
struct RegistryPushPullTests {
  @Test("push a multi-arch index, pull it back byte-exact; a second push sends nothing")
  func roundTrip() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    try await client.ping()

    let target = try ImageReference("\(registry.host)/demo/app:1.0")
    let pushed = try await client.push(from: images.layout, name: TestImages.multiName, to: target)
    #expect(pushed.digest == images.index.digest)
    #expect(pushed.blobsUploaded == 5)  // base, two platform layers, two configs
    #expect(pushed.manifestsPut == 3)  // two children, then the index

    // The registry serves exactly our bytes under the tag and by digest.
    let fetched = try await client.manifest(target)
    #expect(fetched.bytes == images.index.bytes)
    #expect(fetched.mediaType == MediaType.ociIndex)
    let head = try await client.manifestDescriptor(repository: "demo/app", reference: "1.0")
    #expect(head?.digest == images.index.digest)

    let destination = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: destination.url)
    let pulled = try await client.pull(target, into: layout)
    #expect(pulled.digest == images.index.digest)
    #expect(pulled.storedDigest == images.index.digest)
    #expect(pulled.blobsDownloaded == 5)
    #expect(Set(pulled.platforms) == [.linuxAMD64, Platform(os: "linux", architecture: "arm64", variant: "v8")])
    for blob in images.multiBlobs {
      #expect(try layout.readBlob(blob.digest) == images.layout.readBlob(blob.digest))
    }
    let entry = try #require(try layout.entry(named: target.description))
    #expect(try layout.manifest(entry).bytes == images.index.bytes)

    // Pulling again downloads nothing: every blob is there with the right digest.
    let again = try await client.pull(target, into: layout)
    #expect(again.blobsDownloaded == 0)
    #expect(again.blobsSkipped == 5)

    // Pushing again: the manifest is there with our digest, so no blob and no manifest moves.
    #expect(await registry.waitForLog("\"PUT /v2/demo/app/manifests/1.0 "))
    let postsBefore = registry.requestCount(method: "POST", pathContaining: "/blobs/uploads/")
    let putsBefore = registry.requestCount(method: "PUT", pathContaining: "/manifests/")
    let second = try await client.push(from: images.layout, name: TestImages.multiName, to: target)
    #expect(second.blobsUploaded == 0)
    #expect(second.manifestsPut == 0)
    #expect(second.manifestsSkipped == 1)
    // The access log agrees (it is flushed as requests complete).
    #expect(registry.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == postsBefore)
    #expect(registry.requestCount(method: "PUT", pathContaining: "/manifests/") == putsBefore)
    #expect(registry.requestCount(method: "PATCH", pathContaining: "/blobs/uploads/") == 0)
  }

  @Test("the shared base layer is mounted across repositories (201), and a fresh client re-uploads nothing present")
  func crossRepositoryMount() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    _ = try await client.push(
      from: images.layout, name: TestImages.multiName, to: try ImageReference("\(registry.host)/demo/app:1.0"))
    let single = try await client.push(
      from: images.layout, name: TestImages.singleName, to: try ImageReference("\(registry.host)/demo/tool:1.0"))
    #expect(single.blobsMounted == 1)
    #expect(single.blobsUploaded == 2)  // its own layer and config
    #expect(await registry.waitForLog("mount=\(images.base.digest)"))
    #expect(await registry.waitForLog("\" 201 "))

    // A new client knows nothing, but mountFrom names where to look.
    let fresh = try RegistryClient(host: registry.host, options: testOptions())
    var options = TransferOptions()
    options.mountFrom = ["demo/app"]
    let third = try await fresh.push(
      from: images.layout, name: TestImages.singleName, to: try ImageReference("\(registry.host)/demo/other:2"),
      options: options)
    #expect(third.blobsMounted == 1)

    // An explicit mount from a repository without the blob falls back to an upload session (202).
    let result = try await fresh.mountBlob(
      repository: "demo/fallback", digest: images.base.digest, from: "demo/nothing")
    guard case .session(let location) = result else {
      Issue.record("expected a 202 upload session, got \(result)")
      return
    }
    #expect(location.hasPrefix("http://\(registry.host)/v2/demo/fallback/blobs/uploads/"))
  }

  @Test("chunked upload: PATCH chunks at the offsets the registry reports, then pull back")
  func chunked() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url, baseSize: 300_000, layerSize: 20_000)
    var options = testOptions()
    options.monolithicLimit = 100_000
    options.chunkSize = 64 * 1024
    let client = try RegistryClient(host: registry.host, options: options)
    let target = try ImageReference("\(registry.host)/demo/chunked:1")
    let pushed = try await client.push(from: images.layout, name: TestImages.singleName, to: target)
    #expect(pushed.chunkedUploads == 1)
    let expectedChunks = Int((images.base.size + 65535) / 65536)
    #expect(registry.requestCount(method: "PATCH", pathContaining: "/demo/chunked/blobs/uploads/") == expectedChunks)

    let destination = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: destination.url)
    _ = try await client.pull(target, into: layout)
    #expect(try layout.readBlob(images.base.digest) == images.layout.readBlob(images.base.digest))
  }

  @Test("platform selection: one child of an index, by platform or in a pull")
  func platforms() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let target = try ImageReference("\(registry.host)/demo/multi:1")
    _ = try await client.push(from: images.layout, name: TestImages.multiName, to: target)

    #expect(try await client.imageManifest(target, platform: .linuxARM64).digest == images.arm64.digest)
    #expect(try await client.imageManifest(target, platform: .linuxAMD64).digest == images.amd64.digest)
    let missing = await #expect(throws: RegistryError.self) {
      try await client.imageManifest(target, platform: Platform(os: "linux", architecture: "s390x"))
    }
    #expect(missing?.code == .notFound)
    #expect(missing?.message.contains("linux/amd64") == true)

    let destination = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: destination.url)
    let pulled = try await client.pull(target, into: layout, options: TransferOptions(platforms: [.linuxARM64]))
    #expect(pulled.platforms == [Platform(os: "linux", architecture: "arm64", variant: "v8")])
    #expect(pulled.storedDigest != images.index.digest)
    #expect(pulled.blobsDownloaded == 3)  // base, arm64 layer, arm64 config
    #expect(!layout.hasBlob(images.amd64.layers[1].digest))
    let stored = try layout.manifest(try #require(try layout.entry(named: target.description)))
    #expect(stored.manifests.map(\.digest) == [images.arm64.digest])
  }

  @Test("unknown tags and repositories are not-found errors naming what is missing")
  func notFound() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let error = await #expect(throws: RegistryError.self) {
      try await client.manifest(try ImageReference("\(registry.host)/demo/none:nope"))
    }
    #expect(error?.code == .notFound)
    #expect(error?.httpStatus == 404)
    #expect(error?.registryCodes.contains { $0 == "MANIFEST_UNKNOWN" || $0 == "NAME_UNKNOWN" } == true)
    #expect(error?.message.contains("nope") == true)
    #expect(try await client.manifestDescriptor(repository: "demo/none", reference: "nope") == nil)
    #expect(try await !client.blobExists(repository: "demo/none", digest: .sha256("x")))
  }

  @Test("a blob altered in the registry's storage is detected and not stored")
  func tamperedBlob() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let target = try ImageReference("\(registry.host)/demo/tamper:1")
    _ = try await client.push(from: images.layout, name: TestImages.singleName, to: target)

    let layer = images.single.layers[1]
    let stored = registry.blobDataFile(hex: layer.digest.hex)
    var bytes = Array(try Data(contentsOf: stored))
    bytes[bytes.count / 2] ^= 0xFF  // same length, different content
    try Data(bytes).write(to: stored)

    let destination = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: destination.url)
    let error = await #expect(throws: RegistryError.self) { try await client.pull(target, into: layout) }
    #expect(error?.code == .digestMismatch)
    #expect(error?.message.contains(layer.digest.description) == true)
    #expect(!layout.hasBlob(layer.digest))
    #expect(!FileManager.default.fileExists(atPath: layout.partialURL(layer.digest).path))
    #expect(try layout.entry(named: target.description) == nil)

    // A manifest fetched by a digest it does not hash to is refused too.
    let manifestFile = registry.blobDataFile(hex: images.single.digest.hex)
    // Same structure, one digit of the config size changed.
    var manifestBytes = images.single.bytes
    let sizeKey = Array(#""size":"#.utf8)
    let keyStart = try #require(
      (0...(manifestBytes.count - sizeKey.count)).first { Array(manifestBytes[$0..<($0 + sizeKey.count)]) == sizeKey })
    let digit = keyStart + sizeKey.count
    manifestBytes[digit] = manifestBytes[digit] == UInt8(ascii: "9") ? UInt8(ascii: "1") : manifestBytes[digit] + 1
    try Data(manifestBytes).write(to: manifestFile)
    let manifestError = await #expect(throws: RegistryError.self) {
      try await client.manifest(repository: "demo/tamper", reference: images.single.digest.description)
    }
    #expect(manifestError?.code == .digestMismatch, "\(String(describing: manifestError))")
  }

  @Test("an interrupted download resumes from its partial file with a Range request")
  func resume() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let target = try ImageReference("\(registry.host)/demo/resume:1")
    _ = try await client.push(from: images.layout, name: TestImages.singleName, to: target)

    let destination = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: destination.url)
    let base = try images.layout.readBlob(images.base.digest)
    try Data(base.prefix(base.count / 3)).write(to: layout.partialURL(images.base.digest))
    let pulled = try await client.pull(target, into: layout)
    #expect(pulled.blobsResumed == 1)
    #expect(pulled.bytesDownloaded < Int64(base.count) + 10_000 * 3)
    #expect(try layout.readBlob(images.base.digest) == base)
    #expect(await registry.waitForLog("\" 206 "))
  }

  @Test("bounded parallelism and byte progress during pull")
  func progress() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let target = try ImageReference("\(registry.host)/demo/progress:1")
    _ = try await client.push(from: images.layout, name: TestImages.multiName, to: target)
    let seen = TransferProgressLog()
    var options = TransferOptions(maxConcurrentBlobs: 2)
    options.progress = { seen.add($0) }
    let destination = try TemporaryDirectory()
    _ = try await client.pull(target, into: try OCILayout.openOrCreate(at: destination.url), options: options)
    let last = try #require(seen.last)
    let total = images.multiBlobs.reduce(Int64(0)) { $0 + $1.size }
    #expect(last.bytesTotal == total)
    #expect(last.bytesDone == total)
    #expect(last.blobsDone == 5)
  }
}

/// Progress events collected from transfer threads.
final class TransferProgressLog: Sendable {
  private let events = Mutex<[TransferProgress]>([])
  func add(_ event: TransferProgress) { events.withLock { $0.append(event) } }
  var last: TransferProgress? {
    events.withLock {
      $0.max { $0.bytesDone < $1.bytesDone || ($0.bytesDone == $1.bytesDone && $0.blobsDone < $1.blobsDone) }
    }
  }
}
