import Foundation
import Registry
import ServestackCore

/// The benchmark's image set (docs/benchmarks/bundles.md), scaled: app-small [base, 1], app-medium
/// [base, 50, 10], app-multi = index of amd64 [base, 60] and arm64/v8 [own 10 base, 60] (MiB at scale 1,
/// 201 MiB unique). Layers are incompressible random bytes (stored as uncompressed-tar media type; no
/// tool here looks inside).
enum BenchImages {
  static let names = ["app-small", "app-medium", "app-multi"]

  /// Writes the images into a new OCI layout at `directory`; returns the unique blob bytes.
  static func make(in directory: URL, scale: Double, largeLayers: Bool = false) throws -> (
    layout: OCILayout, uniqueBytes: Int64
  ) {
    let layout = try OCILayout.openOrCreate(at: directory)
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    var unique: Int64 = 0
    func layer(_ mib: Double) throws -> Descriptor {
      let size = max(Int64(mib * scale * 1_048_576), 4096)
      let temporary = layout.temporaryURL(suffix: "layer")
      guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
        let handle = FileHandle(forWritingAtPath: temporary.path)
      else { throw BenchToolError("cannot write \(temporary.path)") }
      var hasher = SHA256Stream()
      var remaining = size
      var buffer = [UInt64](repeating: 0, count: 131_072)
      while remaining > 0 {
        for index in buffer.indices {
          seed ^= seed << 13
          seed ^= seed >> 7
          seed ^= seed << 17
          buffer[index] = seed
        }
        let count = Int(min(remaining, Int64(buffer.count * 8)))
        try buffer.withUnsafeBytes { bytes in
          let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
          hasher.update(chunk)
          try handle.write(contentsOf: Data(chunk))
        }
        remaining -= Int64(count)
      }
      try handle.close()
      let digest = hasher.finalize()
      try? FileManager.default.removeItem(at: layout.blobURL(digest))
      try FileManager.default.moveItem(at: temporary, to: layout.blobURL(digest))
      unique += size
      return Descriptor(mediaType: MediaType.ociLayer, digest: digest, size: size)
    }
    func image(_ platform: Platform, _ layers: [Descriptor]) throws -> Manifest {
      var config: JSONObject = [
        "architecture": .string(platform.architecture), "os": .string(platform.os),
        "rootfs": ["type": "layers", "diff_ids": .array(layers.map { .string($0.digest.description) })],
      ]
      if let variant = platform.variant { config["variant"] = .string(variant) }
      let configBytes = JSONValue.object(config).serializedBytes()
      let configDigest = try layout.addBlob(configBytes)
      unique += Int64(configBytes.count)
      let json: JSONValue = [
        "schemaVersion": 2, "mediaType": .string(MediaType.ociManifest),
        "config": Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)).json,
        "layers": .array(layers.map(\.json)),
      ]
      let manifest = try Manifest(bytes: json.serializedBytes(), context: "bench")
      try layout.addBlob(manifest.bytes)
      unique += Int64(manifest.bytes.count)
      return manifest
    }
    if largeLayers {
      // Issue 14's set: 3 single-platform images of 4 layers each, 12–24 MiB, 217 MiB at scale 1.
      let sizes: [[Double]] = [[12, 16, 20, 24], [14, 18, 22, 19], [13, 17, 21, 21]]
      for (name, mib) in zip(names, sizes) {
        let manifest = try image(.linuxAMD64, try mib.map { try layer($0) })
        try layout.setEntry(manifest.descriptor(), named: name)
      }
      return (layout, unique)
    }
    let base = try layer(10)
    let small = try image(.linuxAMD64, [base, try layer(1)])
    let medium = try image(.linuxAMD64, [base, try layer(50), try layer(10)])
    let arm = Platform(os: "linux", architecture: "arm64", variant: "v8")
    let amd64 = try image(.linuxAMD64, [base, try layer(60)])
    let arm64 = try image(arm, [try layer(10), try layer(60)])
    let indexJSON: JSONValue = [
      "schemaVersion": 2, "mediaType": .string(MediaType.ociIndex),
      "manifests": [amd64.descriptor(platform: .linuxAMD64).json, arm64.descriptor(platform: arm).json],
    ]
    let index = try Manifest(bytes: indexJSON.serializedBytes(), context: "bench index")
    try layout.addBlob(index.bytes)
    unique += Int64(index.bytes.count)
    try layout.setEntry(small.descriptor(), named: "app-small")
    try layout.setEntry(medium.descriptor(), named: "app-medium")
    try layout.setEntry(index.descriptor(), named: "app-multi")
    return (layout, unique)
  }
}
