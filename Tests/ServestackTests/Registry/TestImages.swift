import Foundation
import HTTP
import Registry
import ServestackCore
import TestSupport

/// Small multi-layer, multi-arch images written by the test into an OCI layout: gzip layers of random
/// bytes, a base layer shared by every image, config blobs, image manifests, and an index for
/// linux/amd64 + linux/arm64/v8.
///
/// - `app-multi`: an OCI index of [base, amd64 layer] and [base, arm64 layer].
/// - `app-single`: an OCI manifest of [base, tool layer] (shares the base layer with app-multi).
struct TestImages {
  static let multiName = "app-multi"
  static let singleName = "app-single"

  let layout: OCILayout
  let base: Descriptor
  let index: Manifest
  let amd64: Manifest
  let arm64: Manifest
  let single: Manifest

  /// Every blob (layers and configs) of both images.
  var blobs: [Descriptor] { Array(Set(amd64.blobs + arm64.blobs + single.blobs)) }
  /// The blobs of app-multi.
  var multiBlobs: [Descriptor] { Array(Set(amd64.blobs + arm64.blobs)) }

  static func make(in directory: URL, baseSize: Int = 150_000, layerSize: Int = 60_000) throws -> TestImages {
    let layout = try OCILayout.openOrCreate(at: directory)
    let base = try layer(layout, size: baseSize)
    let amd64 = try image(layout, platform: .linuxAMD64, layers: [base, try layer(layout, size: layerSize)])
    let arm64 = try image(
      layout, platform: Platform(os: "linux", architecture: "arm64", variant: "v8"),
      layers: [base, try layer(layout, size: layerSize)])
    let single = try image(layout, platform: .linuxAMD64, layers: [base, try layer(layout, size: layerSize / 2)])
    let indexJSON: JSONValue = [
      "schemaVersion": 2, "mediaType": .string(MediaType.ociIndex),
      "manifests": [
        amd64.descriptor(platform: .linuxAMD64).json,
        arm64.descriptor(platform: Platform(os: "linux", architecture: "arm64", variant: "v8")).json,
      ],
    ]
    let index = try Manifest(bytes: indexJSON.serializedBytes(), context: "test index")
    try layout.addBlob(index.bytes)
    try layout.setEntry(index.descriptor(), named: multiName)
    try layout.setEntry(single.descriptor(), named: singleName)
    return TestImages(layout: layout, base: base, index: index, amd64: amd64, arm64: arm64, single: single)
  }

  /// A gzip stream of `size` random bytes (incompressible, so the blob is about `size`).
  static func layer(_ layout: OCILayout, size: Int) throws -> Descriptor {
    let gzipped = layout.temporaryURL(suffix: "gz")
    // One read of /dev/urandom: a random number per byte costs a system call each (minutes for 100 MiB).
    try Shell.check("/bin/sh", ["-c", "head -c \"$0\" /dev/urandom | gzip -n -1 > \"$1\"", String(size), gzipped.path])
    let digest = Digest.sha256(Array(try Data(contentsOf: gzipped)))
    let size = Int64(try Data(contentsOf: gzipped).count)
    let destination = layout.blobURL(digest)
    try? FileManager.default.removeItem(at: destination)
    try FileManager.default.moveItem(at: gzipped, to: destination)
    return Descriptor(mediaType: MediaType.ociLayerGzip, digest: digest, size: size)
  }

  static func image(_ layout: OCILayout, platform: Platform, layers: [Descriptor]) throws -> Manifest {
    var configObject: JSONObject = [
      "architecture": .string(platform.architecture), "os": .string(platform.os),
      "rootfs": ["type": "layers", "diff_ids": .array(layers.map { .string($0.digest.description) })],
      "config": ["Labels": ["servestack.test": .string(UUID().uuidString)]],
    ]
    if let variant = platform.variant { configObject["variant"] = .string(variant) }
    let config = JSONValue.object(configObject).serializedBytes()
    let configDigest = try layout.addBlob(config)
    let manifestJSON: JSONValue = [
      "schemaVersion": 2, "mediaType": .string(MediaType.ociManifest),
      "config": Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(config.count)).json,
      "layers": .array(layers.map(\.json)),
    ]
    let manifest = try Manifest(bytes: manifestJSON.serializedBytes(), context: "test manifest")
    try layout.addBlob(manifest.bytes)
    return manifest
  }
}

/// Registry options for tests: no proxy from the environment, quick retries.
func testOptions(
  credentials: RegistryOptions.Credentials = .none, plainHTTP: Bool = true, ca: URL? = nil
) -> RegistryOptions {
  var options = RegistryOptions(credentials: credentials, plainHTTP: plainHTTP)
  options.proxy = .none
  options.retry = .none
  if let ca { options.caCertificate = .file(ca.path) }
  return options
}

extension TestImages {
  /// Stands a registry in for the internet: pushes `app-single` under every reference's repository and tag
  /// to `client`'s registry (`host`), one path prefix per upstream registry (`r0`, `r1`, …), and returns the
  /// `--registry-mirror upstream=url` flags that send `bundle create` there. The references must carry tags.
  func mirror(_ references: some Sequence<ImageReference>, client: RegistryClient, host: String) async throws
    -> [String]
  {
    var prefixes: [String: String] = [:]
    for reference in references.sorted(by: { $0.description < $1.description }) {
      guard let tag = reference.tag else {
        throw TestSetupError("\(reference): a mirrored test image needs a tag (the raw stack names its images by tag)")
      }
      let prefix = prefixes[reference.registry] ?? "r\(prefixes.count)"
      prefixes[reference.registry] = prefix
      _ = try await client.push(
        from: layout, name: Self.singleName,
        to: try ImageReference("\(host)/\(prefix)/\(reference.repository):\(tag)"))
    }
    return prefixes.sorted { $0.key < $1.key }.flatMap { registry, prefix in
      ["--registry-mirror", "\(registry)=http://\(host)/\(prefix)"]
    }
  }
}
