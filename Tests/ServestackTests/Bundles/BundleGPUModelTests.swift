import Archive
import Bundles
import Foundation
import ServestackCore
import TestSupport
import Testing

/// `servestack bundle create --gpu-model torchserve` run as a process against BundleWorld's registry: the
/// TorchServe model comes from `--gpu-model-dir` (its gs:// copy is out of reach offline; a small synthetic
/// directory stands in for it) and the pytorch ClusterServingRuntime's image must be in the bundle.
@Suite(
  "servestack bundle create --gpu-model (CLI)",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"),
  .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleGPUModelTests {
  let binary = TestEnvironment.servestackBinary?.path ?? "servestack"

  /// A stand-in for kserve-cluster-resources: KServe's TorchServe runtime, with an image the test registry has.
  static let runtime = """
    apiVersion: serving.kserve.io/v1alpha1
    kind: ClusterServingRuntime
    metadata: {name: kserve-torchserve}
    spec:
      supportedModelFormats:
        - {name: pytorch, version: "1", autoSelect: true, priority: 2}
      protocolVersions: [v1, v2]
      containers:
        - name: kserve-container
          image: "\(BundleWorld.single)"
          args: ["torchserve", "--start", "--model-store=/mnt/models/model-store"]
    """

  @Test("--gpu-model torchserve carries the model directory and the pytorch runtime image; bad uses are refused")
  func torchserve() async throws {
    let world = try await BundleWorld()
    let directory = world.directory
    let environment = BundleCreateCommandTests.environment(directory)
    try directory.write("spec.yaml", BundleCreateCommandTests.spec)
    // Phases without a pytorch runtime (the demo phase only), then with one.
    try directory.write(
      "phases-plain/10-demo.yaml",
      try String(contentsOf: world.phasesDirectory.appendingPathComponent("10-demo.yaml"), encoding: .utf8))
    try directory.write("upstream/runtimes.yaml", Self.runtime)
    try directory.write(
      "phases/55-runtimes.yaml",
      """
      name: runtimes
      kind: install
      profiles: [serverless]
      after: [demo]
      component: {name: runtimes, version: v1}
      manifests:
        - path: ../upstream/runtimes.yaml
          sha256: \(Digest.sha256(Self.runtime).hex)
      """)
    let model = try directory.write("torchserve/config/config.properties", "inference_address=http://0.0.0.0:8085\n")
    try directory.write("torchserve/model-store/mnist.mar", String(repeating: "MAR-", count: 500))
    let modelDirectory = model.deletingLastPathComponent().deletingLastPathComponent().path

    func create(_ phases: String, _ extra: [String], output: String) async throws -> Shell.Output {
      try await Shell.runAsync(
        binary,
        [
          "bundle", "create", "--spec", directory.file("spec.yaml").path, "--phases", directory.file(phases).path,
          "--registry-mirror", "docker.io=http://\(world.source.host)/hub", "--registry-mirror",
          "quay.io=http://\(world.source.host)/quay", "--model", "sklearn-iris=\(world.modelFile.path)",
          "--no-self-image", "-o", directory.file(output).path,
        ] + extra, environment: environment)
    }

    let bundle = directory.file("gpu.tar").path
    let made = try await create(
      "phases", ["--gpu-model", "torchserve", "--gpu-model-dir", modelDirectory], output: "gpu.tar")
    try #require(made.status == 0, "\(made.stdout)\(made.stderr)")
    #expect(made.stdout.contains("models: sklearn-iris:1.0, torchserve-mnist:v1"), "\(made.stdout)")
    #expect(made.stdout.contains("pytorch serving runtime: \(BundleWorld.single)"), "\(made.stdout)")
    let paths = try await TarReader.list(archive: URL(fileURLWithPath: bundle)).map(\.path)
    #expect(paths.contains("models/torchserve-mnist/model-store/mnist.mar"), "\(paths)")
    #expect(paths.contains("models/torchserve-mnist/config/config.properties"))
    let inspect = try await Shell.runAsync(
      binary, ["bundle", "inspect", bundle, "-o", "json"], environment: environment)
    try #require(inspect.status == 0, "\(inspect.stderr)")
    let inspected = try JSONValue(parsing: inspect.stdout)
    let torchserve = inspected["models"]?.arrayValue?.first { $0["name"] == "torchserve-mnist" }
    #expect(torchserve?["storageUri"] == "gs://kfserving-examples/models/torchserve/image_classifier/v1")
    #expect(
      inspected["images"]?.arrayValue?.contains {
        $0["name"]?.stringValue == "servestack.local/models/torchserve-mnist:v1"
      }
        == true)

    // A stack set whose KServe manifests serve no pytorch: the model could not be served in the air gap.
    let noRuntime = try await create(
      "phases-plain", ["--gpu-model", "torchserve", "--gpu-model-dir", modelDirectory], output: "no-runtime.tar")
    #expect(noRuntime.status != 0)
    #expect(
      noRuntime.stderr.contains("the bundle's KServe manifests have no ClusterServingRuntime for model format pytorch"),
      "\(noRuntime.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.file("no-runtime.tar").path))
    // No model files, an unknown model, a directory without --gpu-model: one line each, before any download.
    let noFiles = try await create("phases", ["--gpu-model", "torchserve"], output: "x.tar")
    #expect(noFiles.status != 0 && noFiles.stderr.contains("--gpu-model torchserve needs the model's files"))
    let unknown = try await create("phases", ["--gpu-model", "resnet"], output: "x.tar")
    #expect(unknown.status != 0 && unknown.stderr.contains("unknown GPU model 'resnet'"), "\(unknown.stderr)")
    let dirOnly = try await create("phases", ["--gpu-model-dir", modelDirectory], output: "x.tar")
    #expect(dirOnly.status != 0 && dirOnly.stderr.contains("needs --gpu-model torchserve"), "\(dirOnly.stderr)")
  }
}

/// The built-in stack set's real KServe manifests (from ../shared's upstream fixtures) hold the pytorch runtime
/// that `bundle create --gpu-model torchserve` requires.
@Suite(
  "KServe's pytorch serving runtime in the built-in stack set",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, "\(TestEnvironment.missingFixturesReason)"))
struct BundleGPURuntimeTests {
  @Test("the default spec's KServe manifests name TorchServe's image for model format pytorch")
  func pytorchRuntimeInBuiltinSet() async throws {
    let mirror = try ManifestMirror(fixtures: try #require(TestEnvironment.upstreamFixtures))
    let directory = try TemporaryDirectory(prefix: "servestack-gpu-runtime")
    let (_, content) = try await BundleBuiltinSpecTests.bundleContent(spec: "default", mirror: mirror, into: directory)
    let images = content.servingRuntimeImages(format: "pytorch")
    #expect(images.count == 1 && images.allSatisfy { $0.contains("pytorch/torchserve-kfs:") }, "\(images)")
    #expect(content.servingRuntimeImages(format: "no-such-format").isEmpty)
  }
}
