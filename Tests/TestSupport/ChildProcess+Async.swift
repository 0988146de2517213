public import Foundation

extension ChildProcess {
  /// Waits, sleeping between looks, until the process has written a port number to `file` (servers that
  /// bind port 0 report the port they got this way); throws with the log when it exits first or times out.
  /// It looks once more after the deadline, in case the task was not scheduled for a while.
  public func waitForPortFile(_ file: URL, timeout: TimeInterval = 30) async throws -> Int {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let text = try? String(contentsOf: file, encoding: .utf8), let port = Int(text) { return port }
      if !isRunning { throw TestSetupError("the process exited before it reported its port:\n\(logTail())") }
      if Date() >= deadline { break }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw TestSetupError("no port in \(file.path) within \(Int(timeout))s:\n\(logTail())")
  }

  /// ``stop(grace:)`` on ``TestBlocking``'s threads, for async tests.
  public func stopAsync(grace: TimeInterval = 5) async {
    _ = try? await TestBlocking.run { self.stop(grace: grace) }
  }
}
