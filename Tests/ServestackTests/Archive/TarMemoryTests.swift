import Archive
import Foundation
import ServestackCore
import TestSupport
import Testing

/// Large entries stream: writing, reading and extracting a 200 MiB file keeps the peak RSS within a few
/// buffers of where it was. Measured by `servestack-bench archive --memory-check` in a process of its own:
/// in the test process, other tests running in parallel would add their own allocations to the peak.
@Suite(.enabled(if: FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs"), "needs Linux /proc"))
struct TarMemoryTests {
  static let limit = 64 << 20

  /// Runs the memory check in a child process (waiting off the cooperative pool) and returns its report.
  static func memoryCheck(sizeMiB: Int, compression: TarCompression, controlMiB: Int = 0) async throws -> JSONValue {
    let bench = try #require(TestEnvironment.benchBinary, "servestack-bench is not built (swift build --build-tests)")
    let tmp = try TemporaryDirectory(prefix: "archive-mem")
    let output = try await Shell.checkAsync(
      bench.path,
      [
        "archive", "--memory-check", "--size-mib", String(sizeMiB), "--compression", compression.rawValue,
        "--control-mib", String(controlMiB), "--work-dir", tmp.path,
      ])
    return try JSONValue(parsing: output)
  }

  /// The measurement itself can fail: holding 128 MiB shows up in the same kind of child process.
  @Test("measurement sees a large allocation") func measurementSeesALargeAllocation() async throws {
    let report = try await Self.memoryCheck(sizeMiB: 1, compression: .none, controlMiB: 128)
    let control = try #require(report["steps"]?["control"])
    #expect(control["checksum"]?.intValue == 3)
    let growth = try #require(control["growth_bytes"]?.intValue)
    #expect(growth > 100 << 20, "peak RSS grew by only \(formatBytes(Int64(growth)))")
  }

  @Test("two hundred MiB streams in small memory", arguments: [TarCompression.none, .zstd])
  func twoHundredMiBStreamsInSmallMemory(_ compression: TarCompression) async throws {
    let report = try await Self.memoryCheck(sizeMiB: 200, compression: compression)
    let steps = try #require(report["steps"])
    for name in ["write", "read", "extract"] {
      let growth = try #require(steps[name]?["growth_bytes"]?.intValue, "no \(name) step in \(report)")
      #expect(growth < Self.limit, "\(name) grew the peak RSS by \(formatBytes(Int64(growth)))")
    }
    let expected = try #require(report["source_sha256"]?.stringValue)
    #expect(steps["read"]?["sha256"]?.stringValue == expected)
    #expect(steps["read"]?["bytes"]?.intValue == 200 << 20)
    #expect(steps["extract"]?["sha256"]?.stringValue == expected)
  }
}
