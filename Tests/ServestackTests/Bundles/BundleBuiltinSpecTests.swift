import Bundles
import Foundation
import Images
import Phases
import Registry
import ServestackCore
import TestSupport
import Testing

/// The built-in bundle specs (bundles/*.yaml) with the built-in phases and the real upstream manifests: the
/// phase set a bundle of each spec carries holds only its profile's phases while `after:` names those of
/// every profile, and it must still load and install.
@Suite(
  "built-in bundle specs: the phases a bundle carries load, and install through the binary",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"),
  .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (SERVESTACK_SHARED)"))
struct BundleBuiltinSpecTests {
  static let specs = ["default", "raw", "serverless-kourier"]

  /// The phases/ and manifests/ a bundle of `spec` carries, written as the bundle lays them out.
  static func bundleContent(spec name: String, mirror: ManifestMirror, into directory: TemporaryDirectory) async throws
    -> (spec: BundleSpec, content: BundleContent)
  {
    let spec = try BundleSpec.resolve(name)
    let fetcher = try ManifestFetcher(
      options: .init(cacheDirectory: directory.file("manifest-cache"), mirror: mirror.base))
    let content = try await BundleContent.render(
      phaseSet: try PhaseSet.builtin(), profile: try Profile(parsing: spec.profile), fetcher: fetcher)
    for phase in content.phaseFiles { try directory.write("bundle/phases/\(phase.fileName)", phase.text) }
    for manifest in content.manifestFiles {
      let url = directory.file("bundle/\(manifest.path)")
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(manifest.bytes).write(to: url)
    }
    return (spec, content)
  }

  /// Each spec's bundle phases, as a folder: `plan --offline --phases` loads and renders them (the serverless
  /// specs name Knative images by digest, which no test registry can serve, so their full airgap install is
  /// `rawBundleInstallsThroughTheBinary`'s path with these same phases).
  @Test("the bundles phase folder loads and plans", arguments: specs)
  func theBundlesPhaseFolderLoadsAndPlans(spec name: String) async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let directory = try TemporaryDirectory(prefix: "servestack-builtin-spec")
    let (spec, content) = try await Self.bundleContent(spec: name, mirror: mirror, into: directory)
    #expect(!content.phaseFiles.isEmpty)
    let binary = try #require(TestEnvironment.servestackBinary).path
    let plan = try await Shell.runAsync(
      binary,
      [
        "plan", "--offline", "--profile", spec.profile, "--phases", directory.file("bundle/phases").path,
        "--cache", directory.file("plan-cache").path,
      ], environment: ["KUBECONFIG": "/nonexistent/kubeconfig", "NO_COLOR": "1"])
    #expect(plan.status == 0, "\(name): \(plan.stderr)")
    #expect(plan.stdout.contains("offline plan for profile \(spec.profile)"), "\(plan.stdout)")
    #expect(plan.stdout.contains("kserve  install  kserve "), "\(plan.stdout)")
  }

  /// `bundle create --spec raw` with the built-in phases → `install --bundle` on the fake modern apiserver,
  /// images from one real docker-registry to another.
  @Test("raw bundle installs through the binary", .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
  func rawBundleInstallsThroughTheBinary() async throws {
    let binary = try #require(TestEnvironment.servestackBinary).path
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let directory = try TemporaryDirectory(prefix: "servestack-builtin-raw")
    let (spec, content) = try await Self.bundleContent(spec: "raw", mirror: mirror, into: directory)

    // Registry A stands in for the internet: one small test image under every name the raw stack (and the
    // model's base) uses, each upstream registry under its own prefix.
    let source = try await TestRegistry.start()
    let images = try await TestBlocking.run {
      try TestImages.make(in: directory.file("src-oci"), baseSize: 20_000, layerSize: 8_000)
    }
    let client = try RegistryClient(host: source.host, options: testOptions())
    var references = Set(content.extraction.references)
    for base in spec.models.compactMap(\.base) { references.insert(try ImageReference(base)) }
    let mirrorFlags = try await images.mirror(references, client: client, host: source.host)
    try directory.write("model/model.joblib", "sklearn iris model bytes for tests\n")
    let bundle = directory.file("raw.tar").path
    var create = [
      "bundle", "create", "--spec", "raw", "--mirror", mirror.base, "--cache-dir", directory.file("cache").path,
      "--model", "sklearn-iris=\(directory.file("model/model.joblib").path)", "--no-self-image", "-o", bundle,
    ]
    create += mirrorFlags
    let environment = BundleCreateCommandTests.environment(directory).merging(BundleInstallTests.environment) { $1 }
    let created = try await Shell.runAsync(binary, create, environment: environment)
    try #require(created.status == 0, "\(created.stdout)\(created.stderr)")

    let target = try await TestRegistry.start()
    let kube = try await BundleFakeKube()
    let install = try await Shell.runAsync(
      binary,
      [
        "install", "--bundle", bundle, "--registry", "\(target.host)/site", "--plain-http", "--skip-tests",
        "--ignore-preflight-errors=all", "--kubeconfig", kube.fake.kubeconfig, "--timeout", "180s",
        "--work-dir", directory.file("work").path, "-o", "json",
      ], environment: environment)
    #expect(install.status == 0, "stderr: \(install.stderr)\nstdout: \(install.stdout.suffix(3000))")
    let statuses = BundleInstallTests.phaseStatuses(install.stdout)
    #expect(statuses["cert-manager"] == "succeeded", "\(statuses)")
    #expect(statuses["kserve"] == "succeeded", "\(statuses)")
    #expect(statuses["kserve-cluster-resources"] == "succeeded", "\(statuses)")
  }
}
