import Bundles
import Foundation
import Images
import Kubernetes
import Phases
import Registry
import ServestackCore
import TestSupport
import Testing

/// Two-set bundles: `bundle create --stack kserve-0.16 --upgrade-from kserve-0.15`, then `install --bundle`
/// of a kserve-0.15 bundle and `upgrade plan|apply --bundle` of the two-set one on the fake modern apiserver, images from one real
/// docker-registry (standing in for the internet) to another (the private one). The `raw` profile: the
/// serverless profiles name Knative images by digest, which no test registry can serve under the upstream
/// digest (as in BundleBuiltinSpecTests).
@Suite(
  "two-set bundles: bundle create --upgrade-from, install one set, upgrade apply --bundle",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"),
  .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (SERVESTACK_SHARED)"),
  .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
struct BundleUpgradeTests {
  static func run(_ arguments: [String], _ environment: [String: String]) async throws -> Shell.Output {
    try await Shell.runAsync(try #require(TestEnvironment.servestackBinary).path, arguments, environment: environment)
  }

  /// Every image reference in the objects the install state records, as the cluster holds them.
  static func appliedImages(_ client: KubeClient, state: InstallState) async throws -> [ImageReference] {
    var objects: [JSONValue] = []
    for stored in Set(state.records.values.flatMap(\.objects)) {
      let reference = ObjectReference(
        try GroupVersionKind(apiVersion: stored.apiVersion, kind: stored.kind), namespace: stored.namespace,
        name: stored.name)
      if let object = try await client.getIfExists(reference) { objects.append(object.json) }
    }
    return ImageExtractor().extract(from: objects).occurrences.map(\.reference)
  }

  @Test(
    "a raw bundle of kserve-0.16 with --upgrade-from kserve-0.15 carries both sets and each image once; after kserve-0.15 from a one-set bundle, upgrade plan --bundle lists the step and upgrade apply --bundle moves to kserve-0.16 with every image from the private registry, and an installed set the bundle does not carry is refused"
  )
  func twoSetBundleInstallsAndUpgrades() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let directory = try TemporaryDirectory(prefix: "servestack-two-set")
    let spec = try BundleSpec.resolve("raw")
    let fetcher = try ManifestFetcher(
      options: .init(cacheDirectory: directory.file("manifest-cache"), mirror: mirror.base))
    let content = try await BundleContent.render(
      phases: nil, stack: "kserve-0.16", upgradeFrom: "kserve-0.15", profile: .raw, fetcher: fetcher)
    var references = Set(content.extraction.references)
    for base in spec.models.compactMap(\.base) { references.insert(try ImageReference(base)) }
    for version in ["v0.15.2", "v0.16.0"] {
      #expect(
        references.contains { $0.repository == "kserve/kserve-controller" && $0.tag == version },
        "the controller of \(version) is carried: \(references)")
    }

    // Registry A stands in for the internet: one small image under every name both sets use.
    let source = try await TestRegistry.start()
    let images = try await TestBlocking.run {
      try TestImages.make(in: directory.file("src-oci"), baseSize: 20_000, layerSize: 8_000)
    }
    let registryClient = try RegistryClient(host: source.host, options: testOptions())
    let mirrorFlags = try await images.mirror(references, client: registryClient, host: source.host)
    try directory.write("model/model.joblib", "sklearn iris model bytes for tests\n")
    let bundle = directory.file("two-set.tar").path
    var create = [
      "bundle", "create", "--spec", "raw", "--stack", "kserve-0.16", "--upgrade-from", "kserve-0.15", "--mirror",
      mirror.base, "--model", "sklearn-iris=\(directory.file("model/model.joblib").path)", "--no-self-image", "-o",
      bundle,
    ]
    create += mirrorFlags
    let environment = BundleCreateCommandTests.environment(directory).merging(BundleInstallTests.environment) { $1 }
    let created = try await Self.run(create, environment)
    try #require(created.status == 0, "\(created.stdout)\(created.stderr)")
    #expect(created.stdout.contains("upgrade from kserve-0.15: "), "\(created.stdout)")

    // Each image, and each file, once; both sets recorded, and checked by verify.
    let listing = try await Shell.runAsync("tar", ["-tf", bundle])
    let entries = listing.stdout.split(separator: "\n").map(String.init)
    #expect(entries.count == Set(entries).count, "a path twice in the tarball")
    #expect(entries.contains("stacks/versions/stacks.yaml") && entries.contains("stacks/50-kserve.yaml"), "\(entries)")
    let index = try JSONValue(
      parsing: Array((try await Shell.runAsync("tar", ["-xOf", bundle, "images/index.json"])).stdout.utf8))
    let names = (index["manifests"]?.arrayValue ?? []).compactMap {
      $0[path: ["annotations", Descriptor.refNameAnnotation]]?.stringValue
    }
    #expect(names.count == Set(names).count, "an image twice in images/index.json: \(names)")
    #expect(Set(references.map(\.description)).isSubset(of: Set(names)), "\(names)")
    let inspect = try await Self.run(["bundle", "inspect", bundle, "-o", "json"], environment)
    try #require(inspect.status == 0, "\(inspect.stderr)")
    let described = try JSONValue(parsing: Array(inspect.stdout.utf8))
    #expect(described["stackSet"] == "kserve-0.16")
    #expect(described[path: ["stack", "kserve"]] == "v0.16.0")
    #expect(described[path: ["upgradeFrom", "name"]] == "kserve-0.15")
    #expect(described[path: ["upgradeFrom", "stack", "kserve"]] == "v0.15.2")
    let verify = try await Self.run(["bundle", "verify", bundle], environment)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    #expect(verify.stdout.contains("stack sets kserve-0.15 → kserve-0.16 defined in stacks/"), "\(verify.stdout)")

    // Last year's bundle: kserve-0.15 alone (one set, with stacks/ so the install records its set).
    let old = directory.file("kserve-0.15.tar").path
    var createOld = create
    createOld[createOld.firstIndex(of: "kserve-0.16")!] = "kserve-0.15"
    createOld.removeSubrange(
      createOld.firstIndex(of: "--upgrade-from")!...createOld.firstIndex(of: "--upgrade-from")! + 1)
    createOld[createOld.firstIndex(of: bundle)!] = old
    let createdOld = try await Self.run(createOld, environment)
    try #require(createdOld.status == 0, "\(createdOld.stdout)\(createdOld.stderr)")
    let verifyOld = try await Self.run(["bundle", "verify", old], environment)
    #expect(verifyOld.stdout.contains("stack sets kserve-0.15 defined in stacks/"), "\(verifyOld.stdout)")

    // install --bundle of last year's bundle, then upgrade apply --bundle of the two-set one: no --mirror,
    // so a manifest read from anywhere but the bundles would fail.
    let target = try await TestRegistry.start()
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let registry = ["--registry", "\(target.host)/site", "--plain-http", "--kubeconfig", fake.kubeconfig]
    let airgap = ["--bundle", bundle] + registry
    let wrongSet = try await Self.run(
      ["install", "--stack", "kserve-0.14", "--skip-tests"] + airgap + ["--work-dir", directory.file("work").path],
      environment)
    #expect(wrongSet.status != 0)
    #expect(
      wrongSet.stderr.contains("--stack kserve-0.14: the bundle carries the sets kserve-0.15 and kserve-0.16"),
      "\(wrongSet.stderr)")
    let install = try await Self.run(
      ["install", "--skip-tests", "--ignore-preflight-errors=all", "--timeout", "180s", "--bundle", old] + registry
        + ["--work-dir", directory.file("work").path, "-o", "json"], environment)
    try #require(install.status == 0, "stderr: \(install.stderr)\nstdout: \(install.stdout.suffix(3000))")
    let client = try fake.client()
    let store = InstallStateStore(client: client)
    #expect(try await store.load().stack?.name == "kserve-0.15")
    let before = try await UpgradeFakeTests.images(client, "kserve", "kserve-controller-manager")
    #expect(before.contains("\(target.host)/site/kserve/kserve-controller:v0.15.2"), "\(before)")

    let plan = try await Self.run(
      ["upgrade", "plan"] + airgap + ["--work-dir", directory.file("work").path], environment)
    #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
    #expect(plan.stdout.contains("installed: stack kserve-0.15"), "\(plan.stdout)")
    #expect(plan.stdout.contains("step 1: kserve v0.15.2 → v0.16.0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("to apply it: servestack upgrade apply --bundle \(bundle)"), "\(plan.stdout)")

    let upgrade = try await Self.run(
      ["upgrade", "apply", "--skip-tests", "--timeout", "3m"] + airgap + ["--work-dir", directory.file("work").path],
      environment)
    #expect(upgrade.status == 0, "\(upgrade.stdout)\n\(upgrade.stderr)")
    #expect(upgrade.stdout.contains("step 1/1: kserve v0.15.2 → v0.16.0"), "\(upgrade.stdout)")
    let state = try await store.load()
    #expect(state.stack?.name == "kserve-0.16")
    #expect(state.upgrade?.finished == true && state.upgrade?.previous.name == "kserve-0.15")
    #expect(state.records.values.allSatisfy { $0.status == .succeeded }, "\(state.records)")
    let applied = try await Self.appliedImages(client, state: state)
    #expect(applied.contains { $0.repository == "site/kserve/kserve-controller" && $0.tag == "v0.16.0" }, "\(applied)")
    let elsewhere = applied.filter { $0.registry != target.host || !$0.repository.hasPrefix("site/") }
    #expect(!applied.isEmpty && elsewhere.isEmpty, "images not from the private registry: \(elsewhere)")
    let controller = try await UpgradeFakeTests.images(client, "kserve", "kserve-controller-manager")
    #expect(controller.contains("\(target.host)/site/kserve/kserve-controller:v0.16.0"), "\(controller)")

    // A cluster on a set the bundle does not carry is refused, before any step.
    var other = state
    other.stack = StackSelection(name: "kserve-0.14", components: state.stack?.components ?? [])
    other.upgrade = nil
    try await store.save(other)
    let refused = try await Self.run(
      ["upgrade", "apply"] + airgap + ["--work-dir", directory.file("work").path], environment)
    #expect(refused.status != 0)
    #expect(
      refused.stderr.contains(
        "the bundle 'raw' carries the stack sets kserve-0.15 and kserve-0.16, and the cluster has kserve-0.14 installed: it cannot upgrade from there; make a bundle for this cluster with servestack bundle create --stack kserve-0.16 --upgrade-from kserve-0.14"
      ),
      "\(refused.stdout)\n\(refused.stderr)")
  }
}
