import Archive
import ArgumentParser
import Foundation
import ServestackCore

/// `archive --memory-check`: writes, reads and extracts one file of `sizeMiB` MiB and reports, as JSON, how
/// far each step raised this process's peak RSS (VmHWM, reset before each step through
/// /proc/self/clear_refs). It runs in a process of its own so that nothing else (such as other tests of a
/// parallel test run) shares the peak. A last `control` step, when asked for, holds `controlMiB` MiB, so
/// that a reader of the report can see the measurement would notice a large allocation.
struct ArchiveMemoryCheck {
  let work: URL
  let sizeMiB: Int
  let compression: TarCompression
  let controlMiB: Int

  func run() throws -> JSONValue {
    let big = work.appendingPathComponent("big.bin")
    let sourceDigest = try Self.writeFile(big, mebibytes: sizeMiB)
    let archive = work.appendingPathComponent("big.\(compression.fileExtension)")
    var steps = JSONObject()

    steps["write"] = try step {
      let writer = try TarWriter(path: archive, compression: compression)
      try writer.addDirectory("blobs")
      try writer.addFile(at: big, as: "blobs/big.bin")
      try writer.finish()
      return [:]
    }
    steps["read"] = try step {
      let reader = try TarReader(path: archive)
      var result: JSONObject = [:]
      while let entry = try reader.next() {
        guard entry.type == .file else { continue }
        var hasher = SHA256Stream()
        try reader.readData { hasher.update($0) }
        result["bytes"] = .int(Int(hasher.count))
        result["sha256"] = .string(hasher.finalize().hex)
      }
      return result
    }
    let out = work.appendingPathComponent("out")
    steps["extract"] = try step {
      _ = try TarExtractor.extractBlocking(archive, to: out)
      return ["sha256": .string(try Self.sha256(of: out.appendingPathComponent("blobs/big.bin")))]
    }
    if controlMiB > 0 {
      let count = controlMiB << 20
      steps["control"] = try step {
        // Every page is written (the array is filled) and read back, so all of it is resident.
        let block = [UInt8](repeating: 1, count: count)
        return ["checksum": .int(Int(block[0]) + Int(block[count / 2]) + Int(block[count - 1]))]
      }
    }
    return [
      "compression": .string(compression.rawValue), "size_mib": .int(sizeMiB),
      "source_sha256": .string(sourceDigest), "steps": .object(steps),
    ]
  }

  /// Runs `body` and returns its result with `growth_bytes` (peak RSS during the step minus RSS before
  /// it) and `seconds`.
  private func step(_ body: () throws -> JSONObject) throws -> JSONValue {
    try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let before = Tools.selfRSS("VmRSS")
    let start = ContinuousClock.now
    var result = try body()
    let elapsed = start.duration(to: .now)
    result["growth_bytes"] = .int(Int(Tools.selfRSS("VmHWM") - before))
    result["seconds"] = .double(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    return .object(result)
  }

  /// Writes `mebibytes` MiB of varied, incompressible bytes 1 MiB at a time; returns their SHA-256.
  private static func writeFile(_ url: URL, mebibytes: Int) throws -> String {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var hasher = SHA256Stream()
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var block = [UInt8](repeating: 0, count: 1 << 20)
    for _ in 0..<mebibytes {
      block.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in words.indices {
          state ^= state << 13
          state ^= state >> 7
          state ^= state << 17
          words[i] = state
        }
      }
      hasher.update(block)
      try handle.write(contentsOf: block)
    }
    return hasher.finalize().hex
  }

  private static func sha256(of url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256Stream()
    while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { data.withUnsafeBytes { hasher.update($0) } }
    return hasher.finalize().hex
  }
}
