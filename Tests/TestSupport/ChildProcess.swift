public import Foundation

/// A process a test started (a Python server, a registry). It is stopped by its PID, never by name, when
/// ``stop()`` is called or the value dies. Output goes to a log file whose tail is shown on failures.
public final class ChildProcess: @unchecked Sendable {
  // @unchecked Sendable: `process` is only mutated in init and stop(), which are serialized by `lock`.
  private let process: Process
  private let lock = NSLock()
  public let logFile: URL

  public var pid: Int32 { process.processIdentifier }
  public var isRunning: Bool { process.isRunning }

  /// Starts `executable` with `arguments`; stdout and stderr go to `logFile` (a temporary file by default).
  public init(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil, logFile: URL? = nil
  ) throws {
    process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    self.logFile =
      logFile ?? FileManager.default.temporaryDirectory.appendingPathComponent("servestack-child-\(UUID().uuidString.prefix(8)).log")
    FileManager.default.createFile(atPath: self.logFile.path, contents: nil)
    let handle = try FileHandle(forWritingTo: self.logFile)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// The last `lines` lines of the process's output.
  public func logTail(_ lines: Int = 30) -> String {
    let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
  }

  /// Sends SIGTERM, then SIGKILL after `grace` seconds, to this process only.
  public func stop(grace: TimeInterval = 5) {
    lock.lock()
    defer { lock.unlock() }
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGTERM)
    let deadline = Date().addingTimeInterval(grace)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit { stop(grace: 2) }
}

/// Network helpers for tests: every server a test starts listens on 127.0.0.1.
public enum Loopback {
  /// A TCP port on 127.0.0.1 that is free right now (the kernel picks it).
  public static func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Whether something accepts TCP connections on 127.0.0.1:`port`.
  public static func isListening(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    return result == 0
  }

  /// Waits until 127.0.0.1:`port` accepts connections; throws with the process log on timeout.
  public static func waitForPort(_ port: Int, process: ChildProcess? = nil, timeout: TimeInterval = 20) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if isListening(port) { return }
      if let process, !process.isRunning {
        throw TestSetupError("process exited before listening on \(port):\n\(process.logTail())")
      }
      usleep(50_000)
    }
    throw TestSetupError("nothing listened on 127.0.0.1:\(port) within \(Int(timeout))s\n\(process?.logTail() ?? "")")
  }
}

/// A test's own setup failed (a server did not start, a tool is missing).
public struct TestSetupError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
