import Bundles
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("The servestack image, built from its own binary and the libraries it loads")
struct SelfImageBuilderTests {
  @Test(
    "an OCI layout whose blobs match their digests, and whose root filesystem runs servestack as user 65532",
    .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
  func buildAndRun() async throws {
    let binary = try #require(TestEnvironment.servestackBinary)
    let directory = try TemporaryDirectory(prefix: "servestack-image")
    let layout = directory.file("layout")
    let result = try await SelfImageBuilder.build(binary: binary, into: layout, reference: "servestack:test")
    #expect(result.files.first == "/usr/local/bin/servestack")
    #expect(result.files.contains { $0.hasSuffix("/libswiftCore.so") })
    #expect(result.files.contains { $0.hasSuffix("/libcurl.so.4") })
    #expect(result.files.contains("/lib64/ld-linux-x86-64.so.2") || !result.files.contains { $0.contains("x86_64") })

    // The layout: oci-layout, index.json → manifest → config and layer, every blob matching its digest.
    let index = try JSONValue(parsing: Array(try Data(contentsOf: layout.appendingPathComponent("index.json"))))
    #expect(
      try JSONValue(parsing: Array(try Data(contentsOf: layout.appendingPathComponent("oci-layout")))) == [
        "imageLayoutVersion": "1.0.0"
      ])
    let entry = try #require(index["manifests"]?[0])
    #expect(entry["digest"]?.stringValue == result.manifestDigest.description)
    #expect(entry[path: ["annotations", "org.opencontainers.image.ref.name"]] == "servestack:test")
    func blob(_ digest: String) throws -> [UInt8] {
      let bytes = Array(try Data(contentsOf: layout.appendingPathComponent("blobs/sha256/\(digest.dropFirst(7))")))
      #expect(Digest.sha256(bytes).description == digest)
      return bytes
    }
    let manifest = try JSONValue(parsing: try blob(result.manifestDigest.description))
    let config = try JSONValue(parsing: try blob(try #require(manifest[path: ["config", "digest"]]?.stringValue)))
    #expect(config[path: ["config", "User"]] == "65532:65532")
    #expect(config[path: ["rootfs", "diff_ids"]] == [.string(result.layerDigest.description)])
    _ = try blob(result.layerDigest.description)
    // Building again into the same layout replaces the entry instead of adding a second one.
    _ = try await SelfImageBuilder.build(binary: binary, into: layout, reference: "servestack:test")
    let again = try JSONValue(parsing: Array(try Data(contentsOf: layout.appendingPathComponent("index.json"))))
    #expect(again["manifests"]?.arrayValue?.count == 1)

    // The layer is a complete root filesystem: servestack runs in it alone, as the non-root user, with /proc
    // mounted as a container runtime would (in a private mount namespace, gone when the command ends).
    guard getuid() == 0, let chroot = TestEnvironment.which("chroot"), let unshare = TestEnvironment.which("unshare")
    else {
      return
    }
    let root = directory.file("root")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try Shell.check(
      "tar", ["-xf", layout.appendingPathComponent("blobs/sha256/\(result.layerDigest.hex)").path, "-C", root.path])
    func run(_ arguments: [String]) throws -> Shell.Output {
      try Shell.run(
        unshare,
        [
          "--mount", "--pid", "--fork", "--mount-proc=\(root.path)/proc", chroot, "--userspec=65532:65532", root.path,
          "/usr/local/bin/servestack",
        ] + arguments)
    }
    let version = try run(["version"])
    #expect(version.status == 0, "\(version.stderr)")
    #expect(version.stdout.contains(ToolInfo.version), "\(version.stdout)")
    let job = try run(["job", "--schedule", "0 * * * *", "--image", "x"])
    #expect(job.status == 0 && job.stdout.contains("kind: CronJob"), "\(job.stderr)")
  }
}
