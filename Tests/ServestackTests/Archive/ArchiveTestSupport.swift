import Archive
import Foundation
import ServestackCore
import TestSupport

/// Helpers shared by the Archive tests: sample trees, tree digests, crafted archives.
enum ArchiveTestSupport {
  /// `Tests/ServestackTests/Resources/Archive/make_hostile.py`.
  static var hostileScript: URL {
    get throws {
      guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw TestSetupError("the test resources are missing")
      }
      return resources.appendingPathComponent("Archive/make_hostile.py")
    }
  }

  /// Writes crafted archive `name` (a case of make_hostile.py) to `output`, aimed at `outside`.
  static func makeHostile(_ name: String, to output: URL, outside: URL) async throws {
    try await Shell.checkAsync("python3", [try hostileScript.path, name, output.path, outside.path])
  }

  /// Deterministic pseudo-random bytes (xorshift), different for each `seed`.
  static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { raw in
      var offset = 0
      while offset < raw.count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        withUnsafeBytes(of: state) { word in
          let n = min(8, raw.count - offset)
          for i in 0..<n { raw[offset + i] = word[i] }
        }
        offset += 8
      }
    }
    return out
  }

  /// The SHA-256 of a file, read in 1 MiB chunks.
  static func sha256(of url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256Stream()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      chunk.withUnsafeBytes { hasher.update($0) }
    }
    return hasher.finalize().hex
  }

  /// Every path below `root` → `dir`, `link:<target>` or `<sha256>` of its content; links are not followed.
  static func tree(_ root: URL) throws -> [String: String] {
    var result: [String: String] = [:]
    let fm = FileManager.default
    for path in try fm.subpathsOfDirectory(atPath: root.path) {
      let url = root.appendingPathComponent(path)
      let type = try fm.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
      switch type {
      case .typeDirectory?: result[path] = "dir"
      case .typeSymbolicLink?: result[path] = "link:" + (try fm.destinationOfSymbolicLink(atPath: url.path))
      default: result[path] = try sha256(of: url)
      }
    }
    return result
  }
}

/// A small OCI-layout-like tree on disk plus data entries, written with every kind of writer call.
struct SampleArchive {
  let source: URL
  /// What the archive should hold, in the shape of ``ArchiveTestSupport/tree(_:)``.
  let expected: [String: String]
  let longName = "blobs/sha256/" + String(repeating: "n", count: 120) + ".json"

  init(in directory: URL) throws {
    source = directory.appendingPathComponent("src")
    try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
    var expected: [String: String] = ["blobs": "dir", "blobs/sha256": "dir", "latest": "link:index.json"]
    for (i, size) in [0, 1, 511, 512, 513, (1 << 20) + 3].enumerated() {
      let bytes = ArchiveTestSupport.bytes(size, seed: UInt64(i + 1))
      try Data(bytes).write(to: source.appendingPathComponent("file\(i)"))
      expected["blobs/sha256/file\(i)"] = Digest.sha256(bytes).hex
    }
    expected[longName] = Digest.sha256(Array("long".utf8)).hex
    expected["index.json"] = Digest.sha256(Array(#"{"schemaVersion":2}"#.utf8)).hex
    expected["oci-layout"] = Digest.sha256(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)).hex
    self.expected = expected
  }

  func write(to archive: URL, compression: TarCompression) throws {
    let writer = try TarWriter(path: archive, compression: compression)
    try writer.addDirectory("blobs")
    try writer.addDirectory("blobs/sha256/")
    for i in 0..<6 {
      try writer.addFile(at: source.appendingPathComponent("file\(i)"), as: "blobs/sha256/file\(i)")
    }
    try writer.addData(Array("long".utf8), as: longName)
    try writer.addData(Array(#"{"schemaVersion":2}"#.utf8), as: "./index.json")
    try writer.addStream(as: "oci-layout", size: 30) { write in
      let text = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
      try text[..<10].withUnsafeBytes { try write($0) }
      try text[10...].withUnsafeBytes { try write($0) }
    }
    try writer.addSymlink("latest", target: "index.json")
    try writer.finish()
  }
}
