import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

@Suite(
  "Registry interop with skopeo",
  .enabled(
    if: TestRegistry.isAvailable && TestEnvironment.which("skopeo") != nil, "needs docker-registry and skopeo"))
struct SkopeoInteropTests {
  @Test("skopeo copies our layout to the same digests we push, and reads our pushed bytes identically")
  func sameDigests() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let client = try RegistryClient(host: registry.host, options: testOptions())
    let ours = try ImageReference("\(registry.host)/demo/ours:1")
    _ = try await client.push(from: images.layout, name: TestImages.multiName, to: ours)

    let skopeoTemp = try TemporaryDirectory()
    let environment = ["TMPDIR": skopeoTemp.path]
    try await Shell.checkAsync(
      "skopeo",
      [
        "--tmpdir", skopeoTemp.path, "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "--dest-tls-verify=false", "oci:\(source.path):\(TestImages.multiName)",
        "docker://\(registry.host)/demo/theirs:1",
      ], environment: environment)
    let theirs = try #require(try await client.manifestDescriptor(repository: "demo/theirs", reference: "1"))
    #expect(theirs.digest == images.index.digest)
    for child in [images.amd64, images.arm64] {
      #expect(
        try await client.manifestDescriptor(repository: "demo/theirs", reference: child.digest.description)?.digest
          == child.digest)
    }

    // skopeo reads back what we pushed byte for byte.
    let raw = try await Shell.checkAsync(
      "skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/demo/ours:1"],
      environment: environment)
    #expect(Array(raw.utf8) == images.index.bytes)
    let rawChild = try await Shell.checkAsync(
      "skopeo",
      ["inspect", "--raw", "--tls-verify=false", "docker://\(registry.host)/demo/ours@\(images.arm64.digest)"],
      environment: environment)
    #expect(Array(rawChild.utf8) == images.arm64.bytes)

    // And skopeo copies our push into an OCI layout with the same blobs.
    let copied = try TemporaryDirectory()
    try await Shell.checkAsync(
      "skopeo",
      [
        "--tmpdir", skopeoTemp.path, "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "docker://\(registry.host)/demo/ours:1", "oci:\(copied.path):copy",
      ], environment: environment)
    let layout = try OCILayout.open(at: copied.url)
    #expect(try layout.entry(named: "copy")?.digest == images.index.digest)
    for blob in images.multiBlobs { #expect(layout.hasBlob(blob.digest, size: blob.size)) }
  }
}
