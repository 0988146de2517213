import Bundles
import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

/// `servestack bundle create` run as a process, end to end: registry A (BundleWorld's "internet") → create →
/// verify → inspect → push to registry B. BundleEndToEndTests covers the same path through the library;
/// this one catches what only the command adds: flag parsing, servestack's own image, output and exit codes.
@Suite(
  "servestack bundle create (CLI, end to end)",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"),
  .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleCreateCommandTests {
  let binary = TestEnvironment.servestackBinary?.path ?? "servestack"

  /// No proxy, and a HOME and DOCKER_CONFIG of the test's own so nothing of the user's is read or written.
  static func environment(_ directory: TemporaryDirectory) -> [String: String] {
    [
      "HOME": directory.file("home").path, "DOCKER_CONFIG": directory.file("docker").path, "HTTP_PROXY": "",
      "http_proxy": "",
      "HTTPS_PROXY": "", "https_proxy": "", "ALL_PROXY": "", "all_proxy": "",
    ]
  }

  /// BundleWorld.spec() as a file: the built-in default spec's model has a busybox base image, which the test
  /// registry does not hold.
  static let spec = """
    name: cli-e2e
    profile: serverless
    platforms: [linux/amd64]
    models:
      - name: sklearn-iris
        version: "1.0"
        storageUri: gs://kfserving-examples/models/sklearn/1.0/model
    """

  @Test("create verify inspect push and push again") func createVerifyInspectPushAndPushAgain() async throws {
    let world = try await BundleWorld()
    let directory = world.directory
    let environment = Self.environment(directory)
    let key = directory.file("key.pem").path
    let publicKey = directory.file("key.pub").path
    let keygen = try await Shell.runAsync(
      binary, ["bundle", "keygen", "--private", key, "--public", publicKey], environment: environment)
    try #require(keygen.status == 0, "\(keygen.stderr)")
    try directory.write("spec.yaml", Self.spec)
    let bundle = directory.file("b.tar").path
    // servestack's own image is built from the running binary (/proc/self/exe and its ldd closure), which
    // works for the built debug binary on Linux; it is linux/<this machine's architecture> and the spec
    // asks for linux/amd64 only, so elsewhere create leaves it out with a warning.
    #if arch(x86_64)
      let selfIncluded = true
    #else
      let selfIncluded = false
    #endif
    let selfName = "servestack.local/servestack:\(ToolInfo.version)"
    let create = try await Shell.runAsync(
      binary,
      [
        "bundle", "create", "--spec", directory.file("spec.yaml").path, "--phases", world.phasesDirectory.path,
        "--registry-mirror", "docker.io=http://\(world.source.host)/hub", "--registry-mirror",
        "quay.io=http://\(world.source.host)/quay",
        "--model", "sklearn-iris=\(world.modelFile.path)", "--cache-dir", world.cacheDirectory.path, "-o", bundle,
        "--sign-key", key,
      ], environment: environment)
    try #require(create.status == 0, "\(create.stdout)\(create.stderr)")
    let imageCount = selfIncluded ? 6 : 5
    #expect(create.stdout.contains("wrote \(bundle) ("), "\(create.stdout)")
    #expect(create.stdout.contains(", signed)"), "\(create.stdout)")
    #expect(create.stdout.contains("\(imageCount) images,"), "\(create.stdout)")
    #expect(create.stdout.contains("models: sklearn-iris:1.0"), "\(create.stdout)")
    #expect(!create.stdout.contains("PRIVATE KEY") && !create.stderr.contains("PRIVATE KEY"))
    #expect(create.stderr.contains("servestack's own image") == !selfIncluded, "\(create.stderr)")
    #expect(create.stdout.contains("also carried: servestack.local/servestack:") == selfIncluded, "\(create.stdout)")

    let verify = try await Shell.runAsync(
      binary, ["bundle", "verify", bundle, "--key", publicKey], environment: environment)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    #expect(verify.stdout.contains("signature valid"), "\(verify.stdout)")

    let inspect = try await Shell.runAsync(
      binary, ["bundle", "inspect", bundle, "-o", "json"], environment: environment)
    try #require(inspect.status == 0, "\(inspect.stderr)")
    let inspected = try JSONValue(parsing: inspect.stdout)
    var digests: [String: String] = [:]
    for image in inspected["images"]?.arrayValue ?? [] {
      if let name = image["name"]?.stringValue { digests[name] = image["digest"]?.stringValue }
    }
    var expected = [
      BundleWorld.multi, "docker.io/testorg/app-single:1.0", BundleWorld.single, world.pinnedSingle,
      "servestack.local/models/sklearn-iris:1.0",
    ]
    if selfIncluded { expected.append(selfName) }
    #expect(Set(digests.keys) == Set(expected), "\(digests.keys.sorted())")
    #expect(inspected["profile"] == "serverless")
    #expect(inspected["models"]?[0]?["name"] == "sklearn-iris")

    // Registry B: every image under HOST/site, with the digest it has in the bundle.
    let target = try await TestRegistry.start()
    let pushArgs = ["bundle", "push", bundle, "--registry", "\(target.host)/site", "--plain-http", "--key", publicKey]
    let push = try await Shell.runAsync(binary, pushArgs + ["-o", "json"], environment: environment)
    try #require(push.status == 0, "\(push.stdout)\(push.stderr)")
    let pushed = try JSONValue(parsing: push.stdout)
    #expect(pushed["signature"] == "valid")
    var targets: [String: String] = [:]
    for image in pushed["images"]?.arrayValue ?? [] {
      if let name = image["name"]?.stringValue { targets[name] = image["target"]?.stringValue }
    }
    let site = "\(target.host)/site"
    var wantedTargets = [
      BundleWorld.multi: "\(site)/testorg/app-multi:1.0",
      "docker.io/testorg/app-single:1.0": "\(site)/testorg/app-single:1.0",
      BundleWorld.single: "\(site)/testorg/app-single:1.0",
      world.pinnedSingle: "\(site)/testorg/app-single@\(world.images.single.digest)",
      "servestack.local/models/sklearn-iris:1.0": "\(site)/models/sklearn-iris:1.0",
    ]
    if selfIncluded { wantedTargets[selfName] = "\(site)/servestack:\(ToolInfo.version)" }
    #expect(targets == wantedTargets)

    let clientB = try RegistryClient(host: target.host, options: testOptions())
    let clientA = try RegistryClient(host: world.source.host, options: testOptions())
    for (name, targetName) in wantedTargets {
      let reference = try ImageReference(targetName)
      let found = try await clientB.manifestDescriptor(
        repository: reference.repository, reference: reference.apiReference)
      #expect(found?.digest.description == digests[name], "\(targetName) in B has the bundle's digest of \(name)")
    }
    // The single-platform images keep the digest they have in A. app-multi was cut to linux/amd64 (a new
    // index of one child): its amd64 manifest is A's, byte for byte.
    for repository in ["hub/testorg/app-single", "quay/testorg/app-single"] {
      let inA = try await clientA.manifestDescriptor(repository: repository, reference: "1.0")
      let inB = try await clientB.manifestDescriptor(repository: "site/testorg/app-single", reference: "1.0")
      #expect(inA != nil && inA?.digest == inB?.digest, "\(repository)")
    }
    let multiA = try await clientA.imageManifest(
      try ImageReference("\(world.source.host)/hub/testorg/app-multi:1.0"), platform: .linuxAMD64)
    let multiB = try await clientB.imageManifest(
      try ImageReference("\(site)/testorg/app-multi:1.0"), platform: .linuxAMD64)
    #expect(multiA.digest == multiB.digest)
    #expect(multiA.digest == world.images.amd64.digest)
    if selfIncluded {
      let selfManifest = try await clientB.manifest(try ImageReference("\(site)/servestack:\(ToolInfo.version)"))
      #expect(selfManifest.layers.count == 1, "the binary and its libraries in one layer")
    }

    // A second push uploads nothing and says so for every image.
    let uploadsBefore = target.requestCount(method: "POST", pathContaining: "/blobs/uploads/")
    let again = try await Shell.runAsync(binary, pushArgs, environment: environment)
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    let lines = again.stdout.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0.hasSuffix("(already there)") }.count == wantedTargets.count, "\(again.stdout)")
    #expect(lines.last?.contains(": 0 blobs uploaded (") == true, "\(again.stdout)")
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == uploadsBefore)
  }

  @Test("create names every missing image at once") func createNamesEveryMissingImageAtOnce() async throws {
    let world = try await BundleWorld()
    let directory = world.directory
    let manifest = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: two, namespace: demo}
      spec:
        selector: {matchLabels: {app: two}}
        template:
          metadata: {labels: {app: two}}
          spec:
            containers:
            - {name: a, image: "docker.io/testorg/missing-one:1.0"}
            - {name: b, image: "quay.io/testorg/missing-two:2.0"}
            - {name: c, image: "\(BundleWorld.single)"}
      """
    try directory.write("missing/upstream/two.yaml", manifest)
    try directory.write(
      "missing/phases/10-two.yaml",
      """
      name: two
      kind: install
      manifests:
        - path: ../upstream/two.yaml
          sha256: \(Digest.sha256(manifest).hex)
      """)
    try directory.write("spec.yaml", Self.spec)
    let output = directory.file("out/b.tar")
    let create = try await Shell.runAsync(
      binary,
      [
        "bundle", "create", "--spec", directory.file("spec.yaml").path, "--phases",
        directory.file("missing/phases").path,
        "--registry-mirror", "docker.io=http://\(world.source.host)/hub", "--registry-mirror",
        "quay.io=http://\(world.source.host)/quay",
        "--no-models", "--cache-dir", world.cacheDirectory.path, "-o", output.path, "--no-self-image",
      ], environment: Self.environment(directory))
    #expect(create.status != 0)
    #expect(create.stderr.contains("docker.io/testorg/missing-one:1.0"), "\(create.stderr)")
    #expect(create.stderr.contains("quay.io/testorg/missing-two:2.0"), "\(create.stderr)")
    #expect(create.stderr.contains("2 of the bundle's 3 images could not be found"), "\(create.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output.path))
  }

  @Test("create against a closed mirror fails in one line and leaves no file")
  func createAgainstAClosedMirrorFailsInOneLineAndLeavesNoFile() async throws {
    let world = try await BundleWorld()
    let directory = world.directory
    let port = Loopback.freePort()
    try directory.write("spec.yaml", Self.spec)
    let outputDirectory = directory.file("out")
    try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
    let create = try await Shell.runAsync(
      binary,
      [
        "bundle", "create", "--spec", directory.file("spec.yaml").path, "--phases", world.phasesDirectory.path,
        "--registry-mirror", "docker.io=http://127.0.0.1:\(port)/hub", "--registry-mirror",
        "quay.io=http://127.0.0.1:\(port)/quay",
        "--model", "sklearn-iris=\(world.modelFile.path)", "--cache-dir", world.cacheDirectory.path,
        "-o", outputDirectory.appendingPathComponent("b.tar").path, "--no-self-image",
      ], environment: Self.environment(directory))
    #expect(create.status != 0)
    let lines = create.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    #expect(lines.count == 1, "one line: \(create.stderr)")
    let line = String(lines.first ?? "")
    #expect(line.contains("127.0.0.1:\(port)"), "names the registry: \(line)")
    #expect(line.contains("testorg/app-"), "names the image: \(line)")
    #expect(filesUnder(outputDirectory).isEmpty, "no partial bundle: \(filesUnder(outputDirectory))")
  }
}
