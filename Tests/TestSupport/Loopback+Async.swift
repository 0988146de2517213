public import Foundation

extension Loopback {
  /// Like ``waitForPort(_:process:timeout:)`` but sleeps between probes instead of blocking a thread (a
  /// probe of a loopback port answers at once). It probes once more after the deadline, so that a task
  /// that was not scheduled for a while does not give up without looking.
  public static func waitForPortAsync(_ port: Int, process: ChildProcess? = nil, timeout: TimeInterval = 20)
    async throws
  {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if isListening(port) { return }
      if let process, !process.isRunning {
        throw TestSetupError("process exited before listening on \(port):\n\(process.logTail())")
      }
      if Date() >= deadline { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw TestSetupError("nothing listened on 127.0.0.1:\(port) within \(Int(timeout))s\n\(process?.logTail() ?? "")")
  }
}
