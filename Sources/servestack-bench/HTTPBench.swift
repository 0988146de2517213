import ArgumentParser
import Foundation
import HTTP
import ServestackCore

/// Many small GETs over keep-alive connections, `concurrency` in flight, on one ``HTTPClient``; then the
/// same URL list through the `curl` CLI (`--parallel`) for comparison.
struct HTTPBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "http", abstract: "Small GETs through HTTPClient (one transfer thread) versus curl --parallel.")

  @Option(help: "Requests to time.") var requests = 2000
  @Option(help: "Requests in flight at once.") var concurrency = 32
  @Option(help: "HTTPClient's maxConnectionsPerHost (its default is 8).") var maxConnections = 8
  @Option(help: "Benchmark this URL instead of a loopback Python server (e.g. an apiserver's /version).")
  var url: String?
  @Option(help: "CA bundle for --url over https.") var caFile: String?
  @Flag(help: "Skip the curl CLI comparison.") var noCurl = false

  func run() async throws {
    guard requests > 0, concurrency > 0 else { throw ValidationError("--requests and --concurrency must be positive") }
    var server: BenchServer?
    let target: String
    if let url {
      target = url
    } else {
      let started = try await BlockingExecutor.shared.run { try BenchServer() }
      server = started
      target = "http://127.0.0.1:\(started.port)/small"
    }
    defer { server?.stop() }

    let threadsBefore = Self.processThreads()
    var configuration = HTTPClientConfiguration()
    configuration.proxy = .none
    configuration.retry = .none
    configuration.maxConnectionsPerHost = maxConnections
    if let caFile { configuration.tls.certificateAuthority = .file(caFile) }
    let client = try HTTPClient(configuration: configuration)

    // Warm up: connections open, code paths paged in.
    _ = try await Self.run(client: client, url: target, count: concurrency, concurrency: concurrency)
    let cpuBefore = Self.processCPUSeconds()
    let start = ContinuousClock.now
    let (latencies, versions, failures) = try await Self.run(
      client: client, url: target, count: requests, concurrency: concurrency)
    let wall = Self.seconds(ContinuousClock.now - start)
    let cpu = Self.processCPUSeconds() - cpuBefore
    let threadsAfter = Self.processThreads()

    let sorted = latencies.sorted()
    print("HTTPClient (libcurl \(CurlLibrary.version))")
    print("  target:        \(target)  HTTP/\(versions.sorted().joined(separator: ","))")
    print(
      "  requests:      \(requests), \(concurrency) in flight, maxConnectionsPerHost \(maxConnections), non-2xx \(failures)"
    )
    print(
      "  wall:          \(String(format: "%.3f", wall)) s  →  \(String(format: "%.0f", Double(requests) / wall)) requests/s"
    )
    print(
      "  latency:       p50 \(Self.ms(Self.percentile(sorted, 0.50))) ms, p99 \(Self.ms(Self.percentile(sorted, 0.99))) ms, max \(Self.ms(sorted.last ?? 0)) ms"
    )
    print(
      "  client CPU:    \(String(format: "%.3f", cpu)) s user+sys in this process = \(String(format: "%.0f", cpu / Double(requests) * 1e6)) µs per request (the server is another process)"
    )
    print(
      "  threads:       process \(threadsBefore) before the client → \(threadsAfter) after the run; the client's transfer threads: \(client.threadsUsed)"
    )
    client.shutdown()

    guard !noCurl else { return }
    guard let curl = Self.which("curl") else {
      print("curl CLI: not installed, no comparison")
      return
    }
    let curlSeconds = try await BlockingExecutor.shared.run { [requests, concurrency, caFile] in
      try Self.timeCurl(curl, url: target, count: requests, concurrency: concurrency, caFile: caFile)
    }
    print("curl CLI --parallel --parallel-max \(concurrency) (one process, same URL list)")
    print(
      "  wall:          \(String(format: "%.3f", curlSeconds.wall)) s  →  \(String(format: "%.0f", Double(requests) / curlSeconds.wall)) requests/s"
    )
    print(
      "  curl CPU:      \(String(format: "%.3f", curlSeconds.cpu)) s user+sys = \(String(format: "%.0f", curlSeconds.cpu / Double(requests) * 1e6)) µs per request"
    )
  }

  /// Runs `count` GETs keeping `concurrency` in flight; returns per-request latencies (seconds).
  static func run(client: HTTPClient, url: String, count: Int, concurrency: Int) async throws
    -> (latencies: [Double], versions: Set<String>, failures: Int)
  {
    try await withThrowingTaskGroup(of: (Double, String, Bool).self) { group in
      var latencies: [Double] = []
      latencies.reserveCapacity(count)
      var versions = Set<String>()
      var failures = 0
      var submitted = 0
      func submit() {
        submitted += 1
        group.addTask {
          let begin = ContinuousClock.now
          let response = try await client.get(url)
          return (seconds(ContinuousClock.now - begin), response.httpVersion, response.isSuccess)
        }
      }
      while submitted < min(concurrency, count) { submit() }
      while let (latency, version, ok) = try await group.next() {
        latencies.append(latency)
        versions.insert(version)
        if !ok { failures += 1 }
        if submitted < count { submit() }
      }
      return (latencies, versions, failures)
    }
  }

  static func timeCurl(_ curl: String, url: String, count: Int, concurrency: Int, caFile: String?) throws
    -> (wall: Double, cpu: Double)
  {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "servestack-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let config = directory.appendingPathComponent("urls.txt")
    var text = ""
    for _ in 0..<count { text += "url = \"\(url)\"\noutput = \"/dev/null\"\n" }
    try Data(text.utf8).write(to: config)
    var arguments = [
      "--silent", "--show-error", "--no-progress-meter", "--parallel", "--parallel-max", "\(concurrency)", "--noproxy",
      "*", "-K", config.path,
    ]
    if let caFile { arguments += ["--cacert", caFile] }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: curl)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    let childrenBefore = childrenCPUSeconds()
    let start = ContinuousClock.now
    try process.run()
    process.waitUntilExit()
    let elapsed = seconds(ContinuousClock.now - start)
    guard process.terminationStatus == 0 else { throw ValidationError("curl exited \(process.terminationStatus)") }
    return (elapsed, childrenCPUSeconds() - childrenBefore)
  }

  /// User + system CPU time of this process's threads (not of its children, such as the server).
  static func processCPUSeconds() -> Double { cpuSeconds(RUSAGE_SELF.rawValue) }

  /// User + system CPU time of waited-for children (curl; the server is still running when asked).
  static func childrenCPUSeconds() -> Double { cpuSeconds(RUSAGE_CHILDREN.rawValue) }

  private static func cpuSeconds(_ who: Int32) -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(who), &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
  }

  static func processThreads() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
  }

  static func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  static func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  static func ms(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }
}

/// A loopback Python ThreadingHTTPServer (HTTP/1.1 keep-alive) answering GET /small with 64 bytes.
final class BenchServer: Sendable {
  let process: Process
  let port: Int
  let directory: URL

  static let script = #"""
    import os, signal, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    BODY = b"x" * 63 + b"\n"
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        def log_message(self, *a): pass
        def do_GET(self):
            # Status, headers and body in one write: no small-segment delays.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY))
    class S(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256
    s = S(("127.0.0.1", 0), H)
    with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(s.server_address[1]))
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    s.serve_forever()
    """#

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "servestack-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let scriptFile = directory.appendingPathComponent("server.py")
    let portFile = directory.appendingPathComponent("port")
    try Data(Self.script.utf8).write(to: scriptFile)
    guard let python = HTTPBench.which("python3") else {
      throw ValidationError("python3 is needed for the loopback server")
    }
    process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [scriptFile.path, portFile.path]
    try process.run()
    var found: Int?
    for _ in 0..<500 where found == nil {
      if let text = try? String(contentsOf: portFile, encoding: .utf8) { found = Int(text) }
      if found == nil { usleep(20_000) }
    }
    guard let found else {
      process.terminate()
      throw ValidationError("the loopback server did not start")
    }
    port = found
  }

  func stop() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: directory)
  }
}
