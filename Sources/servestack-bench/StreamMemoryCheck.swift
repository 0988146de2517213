import ArgumentParser
import Foundation
import HTTP
import ServestackCore

/// `http-stream-memory`: streams one large response body through ``HTTPClient/stream(_:)`` into a reader
/// that takes at most `--reader-mib-per-second`, and reports, as JSON, the bytes read and how far the
/// stream raised this process's peak RSS (VmHWM, reset first through /proc/self/clear_refs). It runs in a
/// process of its own so that nothing else shares the peak; a reader slower than the network is the case
/// where an unbounded stream buffer would grow.
struct StreamMemoryCheck: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "http-stream-memory", abstract: "Peak-RSS growth while a slow reader streams a large body, as JSON.")

  @Option(help: "The URL of a large body (a loopback test server).") var url: String
  @Option(help: "The reader's pace, MiB per second (it sleeps when ahead).") var readerMibPerSecond = 256
  @Option(help: "Hold this many MiB while streaming, to show that the measurement sees an allocation.")
  var controlMib = 0

  func run() async throws {
    guard readerMibPerSecond > 0 else { throw ValidationError("--reader-mib-per-second must be positive") }
    var configuration = HTTPClientConfiguration()
    configuration.proxy = .none
    configuration.retry = .none
    let client = try HTTPClient(configuration: configuration)
    defer { client.shutdown() }

    try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    let before = Tools.selfRSS("VmRSS")
    let control = controlMib > 0 ? [UInt8](repeating: 1, count: controlMib << 20) : []
    let start = ContinuousClock.now
    let response = try await client.stream(HTTPRequest(url: url))
    let pace = Double(readerMibPerSecond << 20)
    var bytes = 0
    for try await chunk in response.body {
      bytes += chunk.count
      // Ahead of the pace: wait until the clock catches up with the bytes read.
      let due = Double(bytes) / pace
      let elapsed = HTTPBench.seconds(ContinuousClock.now - start)
      if due > elapsed + 0.005 { try await Task.sleep(for: .seconds(due - elapsed)) }
    }
    let seconds = HTTPBench.seconds(ContinuousClock.now - start)
    let report: JSONValue = [
      "status": .int(response.status), "bytes": .int(bytes), "seconds": .double(seconds),
      "growth_bytes": .int(Int(Tools.selfRSS("VmHWM") - before)),
      "control_checksum": .int(control.isEmpty ? 0 : Int(control[0]) + Int(control[control.count - 1])),
    ]
    print(report.serialized())
  }
}
