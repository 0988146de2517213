import Bundles
import Foundation
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
}
