import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

@Suite("OCI layout")
struct OCILayoutTests {
  @Test("writes oci-layout, index.json with ref names, and stores shared blobs once")
  func layout() throws {
    let directory = try TemporaryDirectory()
    let images = try TestImages.make(in: directory.url)
    let marker = try JSONValue(parsing: Array(try Data(contentsOf: directory.file("oci-layout"))))
    #expect(marker["imageLayoutVersion"] == "1.0.0")
    let index = try JSONValue(parsing: Array(try Data(contentsOf: directory.file("index.json"))))
    #expect(index["schemaVersion"] == 2)
    let names = index["manifests"]?.arrayValue?.compactMap {
      $0["annotations"]?["org.opencontainers.image.ref.name"]?.stringValue
    }
    #expect(names == [TestImages.multiName, TestImages.singleName])

    let reopened = try OCILayout.open(at: directory.url)
    let entry = try #require(try reopened.entry(named: TestImages.multiName))
    #expect(entry.digest == images.index.digest)
    #expect(entry.mediaType == MediaType.ociIndex)
    let index2 = try reopened.manifest(entry)
    #expect(index2.bytes == images.index.bytes)
    #expect(
      index2.manifests.compactMap(\.platform) == [
        .linuxAMD64, Platform(os: "linux", architecture: "arm64", variant: "v8"),
      ])

    // The base layer is used by three manifests but stored once; every blob file is named by its digest.
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("blobs/sha256").path)
      .filter { !$0.hasPrefix(".") }
    let expected = Set(
      images.blobs.map(\.digest.hex) + [images.index, images.amd64, images.arm64, images.single].map(\.digest.hex))
    #expect(Set(files) == expected)
    #expect(files.count == expected.count)
    #expect(images.amd64.layers.first == images.base && images.single.layers.first == images.base)

    // Renaming an entry replaces it.
    try reopened.setEntry(images.single.descriptor(), named: TestImages.multiName)
    #expect(try reopened.referenceNames() == [TestImages.singleName, TestImages.multiName])
    #expect(try reopened.entry(named: TestImages.multiName)?.digest == images.single.digest)
  }

  @Test("adding a blob from a file checks its digest and keeps the existing copy")
  func addBlob() async throws {
    let directory = try TemporaryDirectory()
    let layout = try OCILayout.openOrCreate(at: directory.url)
    let content = Array("layer content".utf8)
    let file = try directory.write("in.bin", "layer content")
    let wrong = Digest.sha256("something else")
    await #expect(throws: RegistryError.self) { try await layout.addBlob(fromFile: file, expected: wrong, copy: true) }
    #expect(!layout.hasBlob(wrong))
    let added = try await layout.addBlob(fromFile: file, expected: Digest.sha256(content), copy: true)
    #expect(added.size == Int64(content.count))
    #expect(try layout.readBlob(added.digest) == content)
    #expect(try await layout.verifyBlob(added.digest))
    // Moving a second copy in is a no-op that removes the source.
    let again = try directory.write("again.bin", "layer content")
    _ = try await layout.addBlob(fromFile: again)
    #expect(!FileManager.default.fileExists(atPath: again.path))
    // A corrupted blob fails verification.
    try Data("tampered".utf8).write(to: layout.blobURL(added.digest))
    #expect(try await !layout.verifyBlob(added.digest))
    #expect(throws: RegistryError.self) { try OCILayout.open(at: directory.file("missing")) }
  }
}
