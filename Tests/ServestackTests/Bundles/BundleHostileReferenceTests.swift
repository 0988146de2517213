import Bundles
import Foundation
import ServestackCore
import TestSupport
import Testing

/// A bundle's phase files must not read files of the installing host: a `path:` manifest that is absolute,
/// leaves the bundle, or names a file checksums.txt does not cover is refused by `bundle verify`, `bundle
/// inspect` and `install --bundle`, each with one clear message and exit code 2 (bad input), before
/// anything is pushed or applied.
@Suite(
  "bundle phases may name only files of the bundle",
  .enabled(if: TestRegistry.isAvailable, "needs docker-registry"),
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct BundleHostileReferenceTests {
  /// The demo bundle with its phase file's manifests replaced by `manifests` (YAML list items), and
  /// checksums.txt updated to match: an unsigned bundle whose only fault is where its phase points.
  static func crafted(_ world: BundleWorld, _ bundle: URL, name: String, manifests: String) async throws -> URL {
    let phase = Array(
      """
      name: demo
      kind: install
      profiles: [serverless]
      component: {name: demo, version: v1}
      manifests:
      \(manifests)
      wait:
        - workloads: available

      """.utf8)
    var checksums = try BundleChecksums(parsing: try await extractMember(bundle, "checksums.txt"))
    checksums.digests["phases/10-demo.yaml"] = Digest.sha256(phase)
    let output = world.directory.file(name)
    try await rewriteTar(bundle, to: output, replace: ["phases/10-demo.yaml": phase, "checksums.txt": checksums.bytes])
    return output
  }

  @Test("absolute escaping and uncovered paths are refused everywhere")
  func absoluteEscapingAndUncoveredPathsAreRefusedEverywhere() async throws {
    let binary = try #require(TestEnvironment.servestackBinary).path
    let world = try await BundleWorld()
    let created = try await world.create()
    // A host file the phases would otherwise apply: a ConfigMap holding a "secret" of this machine.
    let work = world.directory.file("work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let secret =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: host-secret, namespace: default}\ndata: {key: host-only}\n"
    try world.directory.write("work/host-secret.yaml", secret)
    let cases: [(name: String, manifests: String, says: String)] = [
      ("absolute.tar", "  - path: \(work.path)/host-secret.yaml", "is absolute"),
      // From <work>/servestack-bundle-XXXX/phases/ two levels up is <work>: the host file above.
      ("escape.tar", "  - path: ../../host-secret.yaml", "leaves the bundle"),
      // checksums.txt is in the bundle but covers nothing of itself.
      ("uncovered.tar", "  - path: ../checksums.txt", "which checksums.txt does not list"),
    ]
    let target = try await TestRegistry.start()
    let kube = try await BundleFakeKube()
    for item in cases {
      let bundle = try await Self.crafted(world, created.output, name: item.name, manifests: item.manifests)
      let verify = try await Shell.runAsync(binary, ["bundle", "verify", bundle.path])
      #expect(verify.status == 2, "\(item.name): \(verify.stdout)\(verify.stderr)")
      #expect(
        verify.stdout.contains("unsafe reference: phases/10-demo.yaml: manifest path"), "\(item.name): \(verify.stdout)"
      )
      #expect(verify.stdout.contains(item.says), "\(item.name): \(verify.stdout)")

      let inspect = try await Shell.runAsync(binary, ["bundle", "inspect", bundle.path])
      #expect(inspect.status == 2, "\(item.name): \(inspect.stdout)\(inspect.stderr)")
      #expect(
        inspect.stderr.contains("phases/10-demo.yaml: manifest path") && inspect.stderr.contains(item.says),
        "\(item.name): \(inspect.stderr)")
      #expect(inspect.stderr.split(separator: "\n").count <= 3, "one clear message: \(inspect.stderr)")

      let install = try await Shell.runAsync(
        binary,
        [
          "install", "--bundle", bundle.path, "--registry", "\(target.host)/site", "--plain-http", "--skip-tests",
          "--ignore-preflight-errors=all", "--kubeconfig", kube.fake.kubeconfig, "--timeout", "30s",
          "--work-dir", work.path,
        ], environment: BundleInstallTests.environment)
      #expect(install.status == 2, "\(item.name): \(install.stderr)")
      #expect(
        install.stderr.contains("phases/10-demo.yaml: manifest path") && install.stderr.contains(item.says),
        "\(item.name): \(install.stderr)")
      #expect(!install.stdout.contains("host-only") && !install.stderr.contains("host-only"))
    }
    // Nothing was pushed, and the extracted copies are gone.
    #expect(target.requestCount(method: "POST", pathContaining: "/blobs/uploads/") == 0)
    #expect(filesUnder(work) == ["host-secret.yaml"], "\(filesUnder(work))")
  }
}
