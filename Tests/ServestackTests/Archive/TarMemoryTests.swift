import Archive
import Foundation
import ServestackCore
import Testing
import TestSupport

/// Large entries stream: writing, reading and extracting a 200 MiB file keeps the process's peak RSS
/// within a few buffers of where it was.
@Suite(.serialized, .enabled(if: FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs"), "needs Linux /proc"))
struct TarMemoryTests {
  static let limit: Int64 = 64 << 20

  /// The measurement itself can fail: holding 128 MiB shows up.
  @Test func measurementSeesALargeAllocation() throws {
    var total = 0
    let growth = try ArchiveTestSupport.peakGrowth {
      let block = [UInt8](repeating: 1, count: 128 << 20)
      total = Int(block[0]) + Int(block[block.count / 2]) + Int(block[block.count - 1])
    }
    #expect(total == 3)
    #expect(growth > 100 << 20, "peak RSS grew by only \(formatBytes(growth))")
  }

  @Test(arguments: [TarCompression.none, .zstd])
  func twoHundredMiBStreamsInSmallMemory(_ compression: TarCompression) async throws {
    let tmp = try TemporaryDirectory(prefix: "archive-mem")
    let big = tmp.file("big.bin")
    try ArchiveTestSupport.writeLargeFile(big, mebibytes: 200)
    let expected = try ArchiveTestSupport.sha256(of: big)
    let archive = tmp.file("big.\(compression.fileExtension)")

    let writeGrowth = try ArchiveTestSupport.peakGrowth {
      let writer = try TarWriter(path: archive, compression: compression)
      try writer.addDirectory("blobs")
      try writer.addFile(at: big, as: "blobs/big.bin")
      try writer.finish()
    }
    #expect(writeGrowth < Self.limit, "writing grew the peak RSS by \(formatBytes(writeGrowth))")

    var digest = ""
    var size: Int64 = 0
    let readGrowth = try ArchiveTestSupport.peakGrowth {
      let reader = try TarReader(path: archive)
      while let entry = try reader.next() {
        guard entry.type == .file else { continue }
        var hasher = SHA256Stream()
        try reader.readData { hasher.update($0) }
        digest = hasher.finalize().hex
        size = hasher.count
      }
    }
    #expect(readGrowth < Self.limit, "reading grew the peak RSS by \(formatBytes(readGrowth))")
    #expect(digest == expected)
    #expect(size == 200 << 20)

    let out = tmp.file("out")
    let extractGrowth = try ArchiveTestSupport.peakGrowth {
      _ = try TarExtractor.extractBlocking(archive, to: out)
    }
    #expect(extractGrowth < Self.limit, "extracting grew the peak RSS by \(formatBytes(extractGrowth))")
    #expect(try ArchiveTestSupport.sha256(of: out.appendingPathComponent("blobs/big.bin")) == expected)
  }
}
