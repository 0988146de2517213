import Archive
import Bundles
import Foundation
import Images
import Phases
import Registry
import ServestackCore
import Synchronization
import TestSupport
import Testing

@Suite(
  "Airgap bundle: registry A → bundle → registry B", .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleEndToEndTests {
  @Test("create carry push rewrite and resolve every image") func createCarryPushRewriteAndResolveEveryImage()
    async throws
  {
    let world = try await BundleWorld()
    let signing = BundleSigningKey()
    let created = try await world.create(signingKey: signing)
    let names = created.descriptor.images.map(\.name)
    #expect(
      names
        == [
          world.pinnedSingle, "docker.io/testorg/app-multi:1.0", "docker.io/testorg/app-single:1.0",
          "quay.io/testorg/app-single:1.0",
        ].sorted())
    #expect(created.descriptor.models.map(\.image) == ["servestack.local/models/sklearn-iris:1.0"])
    #expect(created.descriptor.stack.map(\.component) == ["demo"])
    // app-multi was filtered to linux/amd64: a new index of one child.
    let multi = try #require(created.descriptor.images.first { $0.name == BundleWorld.multi })
    #expect(multi.platforms == ["linux/amd64"])
    #expect(multi.digest != world.images.index.digest)
    // The base layer is in every image and stored once; each blob is downloaded once.
    let entries = try await TarReader.list(archive: created.output)
    let blobEntries = entries.filter { $0.path.hasPrefix(BundleLayout.blobsPrefix) }.map(\.path)
    #expect(Set(blobEntries).count == blobEntries.count)
    #expect(blobEntries.contains(BundleLayout.blobPath(world.images.base.digest)))
    #expect(!blobEntries.contains(BundleLayout.blobPath(world.images.arm64.layers[1].digest)), "arm64 left out")
    #expect(created.blobsDownloaded == 5, "base, amd64 layer, single layer and two configs: \(created.blobsDownloaded)")
    #expect(world.source.requestCount(method: "GET", pathContaining: "/blobs/\(world.images.base.digest)") == 1)
    #expect(entries.map(\.path).contains("manifests/demo/v1/demo.yaml"))
    #expect(entries.map(\.path).contains("models/sklearn-iris/model.joblib"))
    #expect(entries.first?.path == BundleLayout.descriptorFile)

    // Carried across the air gap.
    let carried = world.directory.file("carried/bundle.tar")
    try FileManager.default.createDirectory(at: carried.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: created.output, to: carried)

    let target = try await TestRegistry.start()
    var options = AirgapOptions()
    options.push.registryOptions = testOptions()
    options.push.key = signing.publicKey
    options.push.workDirectory = world.directory.file("work")
    let prepared = try await AirgapInstaller.prepare(bundle: carried, registry: "\(target.host)/site", options: options)
    defer { prepared.cleanup() }
    #expect(prepared.bundle.verification.signature == .valid)
    #expect(prepared.leftoverCheck.isClean, "\(prepared.leftoverCheck.summary)")
    #expect(prepared.pushResult.images.count == 5)
    #expect(prepared.pushResult.blobsMounted >= 1, "shared blobs are mounted across repositories")
    let objects = try #require(prepared.rewrittenObjectsByPhase[try PhaseName("demo")])
    let references = ImageExtractor().extract(from: objects).references
    // quay.io/testorg/app-single:1.0 and docker.io/testorg/app-single:1.0 are the same image under one path in B.
    #expect(references.count == 3)
    let client = try RegistryClient(host: target.host, options: testOptions())
    for reference in references {
      #expect(reference.registry == target.host)
      #expect(reference.repository.hasPrefix("site/testorg/"))
      let found = try await client.manifestDescriptor(
        repository: reference.repository, reference: reference.apiReference)
      #expect(found != nil, "\(reference) resolves in registry B")
    }
    let settings = try #require(objects.first { $0[path: ["metadata", "name"]] == "config-deployment" })
    #expect(settings[path: ["data", "registries-skipping-tag-resolving"]] == .string(target.host))
    let job = try #require(objects.first { $0["kind"] == "Job" })
    #expect(
      job[path: ["spec", "template", "spec"]]?["containers"]?[0]?["image"]
        == .string("\(target.host)/site/testorg/app-single@\(world.images.single.digest)"))
    // The model is served from registry B as a modelcar.
    let modelURI = try #require(prepared.modelURIs["sklearn-iris"])
    #expect(modelURI == "oci://\(target.host)/site/models/sklearn-iris:1.0")
    let modelManifest = try await client.manifest(try ImageReference(String(modelURI.dropFirst(6))))
    #expect(modelManifest.layers.count == 1)
    // The phase set of the bundle reads its manifests from inside it.
    #expect(prepared.phaseSet.phases.map(\.name.rawValue) == ["demo"])
    let sources = prepared.phaseSet.phases[0].manifests.map(\.reference)
    #expect(sources == ["../manifests/demo/v1/demo.yaml"])

    // The rewritten objects are accepted by an API server, images as rewritten.
    let kube = try await BundleFakeKube()
    for object in objects {
      let (status, answer) = try await kube.apply(object)
      #expect(
        (200..<300).contains(status), "\(object["kind"] ?? "?") → \(status) \(answer.map { $0.serialized() } ?? "")")
      if object["kind"] == "Deployment" {
        let image = answer?[path: ["spec", "template", "spec"]]?["containers"]?[0]?["image"]?.stringValue
        #expect(image == "\(target.host)/site/testorg/app-multi:1.0")
      }
    }

    // A second push of the same bundle uploads no blob and puts no manifest.
    let postsBefore = target.requestCount(method: "POST", pathContaining: "/blobs/uploads/")
    var again = BundlePushOptions(registry: "\(target.host)/site")
    again.registryOptions = testOptions()
    let second = try await BundlePusher.push(bundle: carried, options: again)
    #expect(second.push.blobsUploaded == 0)
    #expect(second.push.manifestsPut == 0)
    #expect(second.push.imagesAlreadyThere == 5)
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == postsBefore)
    #expect(second.verification.signature == .notChecked)
  }

  @Test("inspect reads only the head of the bundle") func inspectReadsOnlyTheHeadOfTheBundle() async throws {
    let world = try await BundleWorld()
    for compression in [TarCompression.none, .zstd] {
      let created = try await world.create("b.\(compression.fileExtension)", compression: compression)
      let inspection = try await BundleInspector.inspect(created.output)
      #expect(inspection.compression == compression)
      #expect(inspection.descriptor.name == "test")
      #expect(inspection.descriptor.profile == "serverless")
      #expect(inspection.images.count == 5)
      let all = try await TarReader.list(archive: created.output)
      #expect(
        inspection.entriesRead < all.count, "stopped before the layers: \(inspection.entriesRead) of \(all.count)")
      let multi = try #require(inspection.images.first { $0.name == BundleWorld.multi })
      let recorded = try #require(created.descriptor.images.first { $0.name == BundleWorld.multi })
      #expect(multi.size == recorded.size)
      #expect(multi.layers == 2)
      #expect(multi.platforms == ["linux/amd64"])
    }
  }

  @Test("an interrupted create resumes without downloading finished blobs again")
  func anInterruptedCreateResumesWithoutDownloadingFinishedBlobsAgain() async throws {
    let world = try await BundleWorld(baseSize: 3_000_000, layerSize: 2_000_000)
    let output = world.directory.file("resumed.tar")
    // The progress callback pauses the download after two finished blobs until the test has cancelled it.
    let state = Mutex((reached: false, cancelled: false))
    let task = Task {
      try await world.create("resumed.tar") { options in
        options.parallel = 1
        options.progress = { event in
          guard event.stage == .downloading, event.itemsDone >= 2 else { return }
          let first = state.withLock { value in
            defer { value.reached = true }
            return !value.reached
          }
          guard first else { return }
          let deadline = Date().addingTimeInterval(5)
          while !state.withLock({ $0.cancelled }) && Date() < deadline { usleep(1000) }
        }
      }
    }
    let deadline = Date().addingTimeInterval(20)
    while !state.withLock({ $0.reached }) && Date() < deadline { try await Task.sleep(for: .milliseconds(2)) }
    #expect(state.withLock { $0.reached })
    task.cancel()
    state.withLock { $0.cancelled = true }
    let first = await task.result
    #expect(throws: (any Error).self) { try first.get() }
    #expect(!FileManager.default.fileExists(atPath: output.path), "no half bundle")
    let cached = filesUnder(world.cacheDirectory.appendingPathComponent("oci/blobs/sha256")).filter {
      !$0.hasPrefix(".")
    }
    #expect(cached.count >= 2, "finished blobs stay in the cache: \(cached)")

    let second = try await world.create("resumed.tar")
    #expect(second.blobsCached >= cached.count)
    for hex in cached {
      #expect(
        world.source.requestCount(method: "GET", pathContaining: "/blobs/sha256:\(hex) ") <= 1,
        "blob \(hex.prefix(12)) was downloaded again")
    }
    let verification = try await BundleVerifier.verify(second.output)
    #expect(verification.isValid, "\(verification.summary)")
  }
}
