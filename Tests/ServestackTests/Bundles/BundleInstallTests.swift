import Bundles
import Conformance
import Foundation
import Images
import Kubernetes
import Registry
import ServestackCore
import TestSupport
import Testing

/// The end-to-end path through the binary: registry A → `bundle create` → carried → `servestack
/// install --bundle --registry B` against a fake apiserver → every image the applied objects name resolves in B.
@Suite(
  "install --bundle: the binary installs from a bundle through a private registry",
  .enabled(if: TestRegistry.isAvailable, "needs docker-registry"),
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct BundleInstallTests {
  static let environment = ["NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"]

  @Test("install from a bundle then again unchanged") func installFromABundleThenAgainUnchanged() async throws {
    let binary = try #require(TestEnvironment.servestackBinary).path
    let world = try await BundleWorld()
    let created = try await world.create()
    let carried = world.directory.file("carried.tar")
    try FileManager.default.copyItem(at: created.output, to: carried)
    let target = try await TestRegistry.start()
    let kube = try await BundleFakeKube()
    let kubeconfig = kube.fake.kubeconfig
    let arguments = [
      "install", "--bundle", carried.path, "--registry", "\(target.host)/site", "--plain-http", "--skip-tests",
      "--ignore-preflight-errors=all", "--kubeconfig", kubeconfig, "--timeout", "60s", "-o", "json",
    ]

    let first = try await Shell.runAsync(binary, arguments, environment: Self.environment)
    #expect(first.status == 0, "stderr: \(first.stderr)\nstdout: \(first.stdout.suffix(2000))")
    #expect(Self.phaseStatuses(first.stdout) == ["demo": "succeeded"])

    // What the cluster holds names registry B only, and B has every image.
    let client = try KubeClient(connection: try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: kubeconfig)))
    let deployment = try await client.get(
      ObjectReference(
        GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"), namespace: "demo", name: "web"))
    let job = try await client.get(
      ObjectReference(GroupVersionKind(group: "batch", version: "v1", kind: "Job"), namespace: "demo", name: "setup"))
    let references = ImageExtractor().extract(from: [deployment.json, job.json]).references
    #expect(references.count >= 2)
    let registry = try RegistryClient(host: target.host, options: testOptions())
    for reference in references {
      #expect(reference.registry == target.host, "\(reference)")
      let found = try await registry.manifestDescriptor(
        repository: reference.repository, reference: reference.apiReference)
      #expect(found != nil, "\(reference) resolves in registry B")
    }

    // The same command again: nothing to push, nothing to apply.
    let uploadsBefore = target.requestCount(method: "POST", pathContaining: "/blobs/uploads/")
    let second = try await Shell.runAsync(binary, arguments, environment: Self.environment)
    #expect(second.status == 0, "stderr: \(second.stderr)")
    #expect(Self.phaseStatuses(second.stdout) == ["demo": "unchanged"])
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == uploadsBefore)
  }

  @Test("a missing registry and an unreachable one are clear errors")
  func aMissingRegistryAndAnUnreachableOneAreClearErrors() async throws {
    let binary = try #require(TestEnvironment.servestackBinary).path
    let usage = try await Shell.runAsync(binary, ["install", "--bundle", "x.tar"], environment: Self.environment)
    #expect(usage.status == 2)
    #expect(usage.stderr.contains("--bundle needs --registry"))

    let world = try await BundleWorld()
    let created = try await world.create()
    let kube = try await BundleFakeKube()
    let refused = try await Shell.runAsync(
      binary,
      [
        "install", "--bundle", created.output.path, "--registry", "127.0.0.1:1/site", "--plain-http", "--skip-tests",
        "--kubeconfig", kube.fake.kubeconfig,
      ], environment: Self.environment)
    #expect(refused.status == 3, "stderr: \(refused.stderr)")
    #expect(refused.stderr.contains("127.0.0.1:1"))
    #expect(refused.stderr.split(separator: "\n").count <= 3, "one clear message, not a trace: \(refused.stderr)")
  }

  /// phase → status from the `phase-finished` events of `-o json`.
  static func phaseStatuses(_ stdout: String) -> [String: String] {
    var statuses: [String: String] = [:]
    for line in stdout.split(separator: "\n") {
      guard let event = try? JSONValue(parsing: Array(line.utf8)), event["event"] == "phase-finished",
        let name = event["name"]?.stringValue, let status = event["status"]?.stringValue
      else { continue }
      statuses[name] = status
    }
    return statuses
  }
}

/// The bundle carries servestack's own image (for the periodic job inside the air gap), built from a binary
/// and its `ldd` closure, and the push puts it beside the stack's images.
@Suite("bundle: servestack's own image", .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleSelfImageTests {
  @Test("a local image travels through the bundle into the registry")
  func aLocalImageTravelsThroughTheBundleIntoTheRegistry() async throws {
    let world = try await BundleWorld()
    let layout = world.directory.file("self-image")
    let name = try ImageReference("servestack.local/servestack:9.9.9")
    // /bin/true stands in for the servestack binary: the same builder, a much smaller closure.
    let built = try await SelfImageBuilder.build(
      binary: URL(fileURLWithPath: "/bin/true"), into: layout, reference: name.description)
    #expect(built.files.contains("/usr/local/bin/servestack"))
    let created = try await world.create("with-self.tar") { options in
      options.localImages = [LocalImage(name: name, layout: layout)]
    }
    let carried = try #require(created.descriptor.images.first { $0.name == name.description })
    #expect(carried.platforms == ["linux/\(SelfImageBuilder.currentArchitecture())"])

    let target = try await TestRegistry.start()
    var push = BundlePushOptions(registry: "\(target.host)/site")
    push.registryOptions = testOptions()
    let pushed = try await BundlePusher.push(bundle: created.output, options: push)
    let image = try #require(pushed.push.images.first { $0.name == name.description })
    #expect(image.target.description == "\(target.host)/site/servestack:9.9.9")
    let client = try RegistryClient(host: target.host, options: testOptions())
    let manifest = try await client.manifest(image.target)
    #expect(manifest.digest == built.manifestDigest, "pushed byte-exact")

    // A layout without that name is refused.
    let other = try ImageReference("servestack.local/other:1")
    await #expect(throws: BundleError.self) {
      _ = try await world.create("bad.tar") { options in options.localImages = [LocalImage(name: other, layout: layout)]
      }
    }
  }
}
