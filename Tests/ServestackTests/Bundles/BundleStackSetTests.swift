import Bundles
import Foundation
import Images
import Phases
import Registry
import ServestackCore
import TestSupport
import Testing

/// bundle.yaml's stack sets (a bundle without them is a one-set bundle, as every bundle before them) and
/// the verifier's check that stacks/ defines the sets bundle.yaml names, its manifests inside the bundle.
@Suite("bundle stack sets: bundle.yaml fields and the stacks/ check")
struct BundleStackSetTests {
  static let template = "name: demo\nkind: install\ncomponent: {name: demo}\n"

  static func catalog(sets: [String], manifest: String = "../../manifests/demo/v1/demo.yaml") -> [BundleContent
    .PhaseFile]
  {
    [
      BundleContent.PhaseFile(fileName: "10-demo.yaml", text: template),
      BundleContent.PhaseFile(
        fileName: "versions/demo.yaml",
        text: """
          component: demo
          versions:
            - version: v1.0.0
              kubernetes: {min: "1.20"}
              manifests:
                - path: \(manifest)
          """),
      BundleContent.PhaseFile(
        fileName: "versions/stacks.yaml",
        text: "stacks:\n" + sets.map { "  - name: \($0)\n    components: {demo: v1.0.0}\n" }.joined()),
    ]
  }

  /// A bundle of one demo manifest whose bundle.yaml names `demo-2`, upgraded from `demo-1`.
  static func bundle(_ files: [BundleContent.PhaseFile], upgradeFrom: Bool = true) async throws -> (
    TemporaryDirectory, URL
  ) {
    let directory = try TemporaryDirectory(prefix: "servestack-stack-sets")
    var content = BundleContent(
      profile: "raw", stack: [("demo", "v1.0.0")],
      phaseFiles: [BundleContent.PhaseFile(fileName: "10-demo.yaml", text: "name: demo\nkind: install\n")],
      manifestFiles: [
        BundleContent.ManifestFile(
          component: "demo", version: "v1", fileName: "demo.yaml", bytes: Array(SmallBundle.manifest.utf8))
      ],
      objectsByComponent: [], stackSet: "demo-2")
    if upgradeFrom { content.upgradeFrom = BundleDescriptor.StackSet(name: "demo-1", components: [("demo", "v1.0.0")]) }
    content.stackFiles = files
    var options = BundleCreateOptions(output: directory.file("b.tar"))
    options.cacheDirectory = directory.file("cache")
    let result = try await BundleCreator.create(
      content: content, spec: BundleSpec(name: "demo", profile: "raw"), options: options)
    return (directory, result.output)
  }

  @Test("bundle.yaml without the set fields reads as a one-set bundle, and with them round-trips")
  func descriptorFields() throws {
    let old = """
      formatVersion: 1
      name: old
      created: "2026-01-02T03:04:05Z"
      profile: raw
      stack: {kserve: v0.15.2}
      """
    let one = try BundleDescriptor(yaml: Array(old.utf8), source: "old/bundle.yaml")
    #expect(one.upgradeFrom == nil && one.stackSet == nil && one.stackSets.isEmpty)
    var two = one
    two.stackSet = "kserve-0.16"
    two.upgradeFrom = BundleDescriptor.StackSet(name: "kserve-0.15", components: [("kserve", "v0.15.2")])
    let again = try BundleDescriptor(yaml: Array(try two.yaml().utf8), source: "two/bundle.yaml")
    #expect(again.upgradeFrom == two.upgradeFrom && again.stackSet == "kserve-0.16")
    #expect(again.stackSets == ["kserve-0.15", "kserve-0.16"])
    #expect(throws: BundleError.self) {
      try BundleDescriptor(yaml: Array((old + "\nupgradeFrom: {name: x}\n").utf8), source: "bad/bundle.yaml")
    }
  }

  @Test("verify accepts stacks/ defining both sets and reports them")
  func verifyAcceptsBothSets() async throws {
    let (directory, url) = try await Self.bundle(Self.catalog(sets: ["demo-1", "demo-2"]))
    defer { directory.remove() }
    let result = try await BundleVerifier.verify(url)
    #expect(result.isValid, "\(result.summary)")
    #expect(result.stackSets == ["demo-1", "demo-2"])
  }

  @Test("verify refuses a two-set bundle whose stacks/ is missing, lacks a set, or names a file outside the bundle")
  func verifyRefusesBadStacks() async throws {
    let (none, noneURL) = try await Self.bundle([])
    defer { none.remove() }
    let missing = try await BundleVerifier.verify(noneURL)
    #expect(missing.problems.contains { $0.kind == .stackSets && $0.message.contains("holds no phase file") })

    let (lacking, lackingURL) = try await Self.bundle(Self.catalog(sets: ["demo-2"]))
    defer { lacking.remove() }
    let lacks = try await BundleVerifier.verify(lackingURL)
    #expect(
      lacks.problems.contains { $0.kind == .stackSets && $0.message.contains("demo-1") }, "\(lacks.summary)")

    let (hostile, hostileURL) = try await Self.bundle(
      Self.catalog(sets: ["demo-1", "demo-2"], manifest: "../../../etc/passwd"))
    defer { hostile.remove() }
    let outside = try await BundleVerifier.verify(hostileURL)
    #expect(
      outside.problems.contains { $0.kind == .unsafeReference && $0.path == "stacks/versions/demo.yaml" },
      "\(outside.summary)")
  }

  /// The serverless profile cannot run end to end from a bundle in tests (its Knative images are pinned by
  /// digest, which no test registry serves under the upstream digest), so its two-set content is checked
  /// the way install and upgrade read it: stacks/ loads, both sets resolve and render offline from the
  /// bundle's manifests, and the plan between them is the catalog's.
  @Test(
    "a serverless two-set bundle's stacks/ resolves both sets and renders them from the bundle's manifests alone",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (SERVESTACK_SHARED)"))
  func serverlessTwoSetContent() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let directory = try TemporaryDirectory(prefix: "servestack-two-set-serverless")
    defer { directory.remove() }
    let fetcher = try ManifestFetcher(
      options: .init(cacheDirectory: directory.file("manifest-cache"), mirror: mirror.base))
    let content = try await BundleContent.render(
      phases: nil, stack: "kserve-0.16", upgradeFrom: "kserve-0.15", profile: .serverless, fetcher: fetcher)
    #expect(content.upgradeFrom?.name == "kserve-0.15" && content.stackSet == "kserve-0.16")
    let references = content.extraction.references
    #expect(references.contains { $0.repository.hasPrefix("knative-releases/") && $0.digest != nil })
    for version in ["v0.15.2", "v0.16.0"] {
      #expect(references.contains { $0.repository == "kserve/kserve-controller" && $0.tag == version })
    }
    for file in content.stackFiles { try directory.write("bundle/stacks/\(file.fileName)", file.text) }
    for manifest in content.manifestFiles {
      let url = directory.file("bundle/\(manifest.path)")
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(manifest.bytes).write(to: url)
    }
    let stacks = directory.file("bundle/stacks")
    let catalog = try #require(try CatalogLoader.load(phaseFolder: stacks))
    #expect(catalog.stacks.map(\.name) == ["kserve-0.15", "kserve-0.16"])
    #expect(catalog.components["kserve"]?.versions.map(\.version) == ["v0.15.2", "v0.16.0"])
    let offline = try ManifestFetcher(
      options: .init(cacheDirectory: directory.file("offline-cache"), offline: true))
    for name in ["kserve-0.15", "kserve-0.16"] {
      let set = try PhaseSet.load(directory: stacks, stack: name)
      #expect(set.stack?.name == name)
      let rendered = try await PhaseRenderer(fetcher: offline, parameters: try PhaseParameters(profile: .serverless))
        .render(set.selection(profile: .serverless, kinds: [.install]))
      #expect(rendered.contains { $0.name.rawValue == "knative-serving" && !$0.objects.isEmpty }, "\(name)")
    }
    let from = try #require(catalog.stack(named: "kserve-0.15"))
    let plan = try UpgradePlanner(catalog: catalog).plan(
      installed: StackSelection(name: from.name, components: from.components), target: .stack("kserve-0.16"))
    #expect(plan.steps.map(\.summary) == ["kserve v0.15.2 → v0.16.0"])
  }

  /// A site's catalog may name manifests by local path; one of a component the profile does not apply (Istio
  /// for raw) is still carried, or its absolute path of the packing host would fail the bundle's verification.
  @Test(
    "a local catalog manifest outside the profile is carried by path inside the bundle",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (SERVESTACK_SHARED)"))
  func localCatalogManifestCarried() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let folder = try CatalogTests.builtinCopy()
    let local = "apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-system}\n"
    let file = try folder.write("local/istio.yaml", local)
    var istio = try String(contentsOf: folder.url.appendingPathComponent("versions/istio.yaml"), encoding: .utf8)
    istio = istio.replacingOccurrences(
      of:
        "url: https://raw.githubusercontent.com/knative-extensions/net-istio/knative-v1.20.0/third_party/istio-latest/istio-kind-no-mesh/istio.yaml",
      with: "path: \(file.path)")
    istio = istio.replacingOccurrences(
      of: "24f7b2cbc0e37cda5894e9d6776c674c948bb44fa1fd50d6059c04925fb74cb3",
      with: Digest.sha256(Array(local.utf8)).hex)
    try folder.write("versions/istio.yaml", istio)
    let directory = try TemporaryDirectory(prefix: "servestack-local-catalog")
    defer { directory.remove() }
    let fetcher = try ManifestFetcher(
      options: .init(cacheDirectory: directory.file("manifest-cache"), mirror: mirror.base))
    let content = try await BundleContent.render(
      phases: folder.url, stack: "kserve-0.16", upgradeFrom: "kserve-0.15", profile: .raw, fetcher: fetcher)
    let catalog = try #require(content.stackFiles.first { $0.fileName == "versions/istio.yaml" }).text
    #expect(catalog.contains("path: ../../manifests/istio/1.27.1/istio.yaml"), "\(catalog)")
    #expect(!catalog.contains(file.path), "\(catalog)")
    #expect(content.manifestFiles.contains { $0.path == "manifests/istio/1.27.1/istio.yaml" })
  }
}
