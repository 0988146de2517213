import Foundation
import ServestackCore
import TestSupport
import Testing

/// A streamed body read slower than the network delivers it stays bounded in memory: the transfer pauses
/// while the reader has a few MiB unread. Measured by `servestack-bench http-stream-memory` in a process of
/// its own: in the test process, other tests running in parallel would add their own allocations to the peak.
@Suite(
  "HTTP streaming: a slow reader keeps memory bounded",
  .enabled(if: FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs"), "needs Linux /proc"))
struct HTTPStreamMemoryTests {
  static let limit = 64 << 20

  static func check(url: String, readerMiBPerSecond: Int, controlMiB: Int = 0) async throws -> JSONValue {
    let bench = try #require(TestEnvironment.benchBinary, "servestack-bench is not built (swift build --build-tests)")
    let output = try await Shell.checkAsync(
      bench.path,
      [
        "http-stream-memory", "--url", url, "--reader-mib-per-second", String(readerMiBPerSecond),
        "--control-mib", String(controlMiB),
      ])
    return try JSONValue(parsing: output)
  }

  @Test("1 GiB through a reader of 256 MiB/s grows the peak RSS by less than 64 MiB")
  func oneGiBThroughASlowReader() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let size = 1 << 30
    let report = try await Self.check(url: server.url("/zeros?size=\(size)"), readerMiBPerSecond: 256)
    #expect(report["status"]?.intValue == 200)
    #expect(report["bytes"]?.intValue == size)
    let growth = try #require(report["growth_bytes"]?.intValue)
    #expect(growth < Self.limit, "streaming grew the peak RSS by \(formatBytes(Int64(growth)))")
  }

  @Test("the measurement sees a large allocation (128 MiB held while streaming)")
  func measurementSeesALargeAllocation() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let report = try await Self.check(
      url: server.url("/zeros?size=\(1 << 20)"), readerMiBPerSecond: 256, controlMiB: 128)
    #expect(report["control_checksum"]?.intValue == 2)
    let growth = try #require(report["growth_bytes"]?.intValue)
    #expect(growth > 100 << 20, "peak RSS grew by only \(formatBytes(Int64(growth)))")
  }
}
