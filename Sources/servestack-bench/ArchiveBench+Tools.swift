import Foundation
import ServestackCore

/// Runs the comparison tools through `/usr/bin/time` and `/bin/bash -c`, measuring time and peak RSS.
enum Tools {
  /// This process's `VmRSS` or peak `VmHWM`, in bytes.
  static func selfRSS(_ key: String) -> Int64 {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
      return (Int64(line.dropFirst(key.count + 1).filter(\.isNumber)) ?? 0) * 1024
    }
    return 0
  }

  /// Runs `command` under `/usr/bin/time -f %M`; returns the wall time and the largest peak RSS of the
  /// shell and the processes it waited for. (`wait4` on a child we spawn ourselves would not do: after a
  /// vfork-style spawn Linux counts the parent's peak in the child's `ru_maxrss`; `time` forks from a small
  /// process.)
  static func run(_ command: String) throws -> (seconds: Double, peakRSS: Int64) {
    let report = NSTemporaryDirectory() + "servestack-bench-time-\(getpid()).txt"
    defer { unlink(report) }
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [
      strdup("/usr/bin/time"), strdup("-f"), strdup("%M"), strdup("-o"), strdup(report), strdup("/bin/bash"),
      strdup("-c"),
      strdup("set -eo pipefail; " + command), nil,
    ]
    defer { for pointer in argv { free(pointer) } }
    let start = ContinuousClock.now
    let spawned = posix_spawn(&pid, "/usr/bin/time", nil, nil, argv, environ)
    guard spawned == 0 else {
      throw BenchToolError("could not start /usr/bin/time: \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { throw BenchToolError("wait4 failed: \(String(cString: strerror(errno)))") }
    }
    let elapsed = start.duration(to: .now)
    guard status == 0 else { throw BenchToolError("`\(command)` failed with status \(status)") }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let kib = (try? String(contentsOfFile: report, encoding: .utf8)).flatMap { Int64($0.filter(\.isNumber)) } ?? 0
    return (seconds, kib * 1024)
  }

  static func measure(
    _ step: String, _ tool: String, _ bytes: Int64, output: URL?, _ command: String
  ) throws -> BenchRow {
    let (seconds, peak) = try run(command)
    let size = output.flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int64 }
    let row = BenchRow(step: step, tool: tool, bytes: bytes, seconds: seconds, peakRSS: peak, output: size)
    print(row.markdown)
    return row
  }

  /// The standard output of a short command.
  static func output(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }
}

struct BenchToolError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
