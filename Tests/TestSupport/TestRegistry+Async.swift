public import Foundation

extension TestRegistry {
  /// Starts a registry like ``init(tls:user:password:token:)`` on ``TestBlocking``'s threads (openssl,
  /// bcrypt and waiting for the port take a while), for async tests.
  public static func start(
    tls: Bool = false, user: String? = nil, password: String? = nil, token: TokenAuth? = nil
  ) async throws -> TestRegistry {
    try await TestBlocking.run { try TestRegistry(tls: tls, user: user, password: password, token: token) }
  }

  /// Whether the log shows `text` within `timeout`, sleeping between looks instead of blocking a thread;
  /// it looks once more after the deadline, in case the task was not scheduled for a while.
  public func waitForLog(_ text: String, timeout: TimeInterval = 10) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if log.contains(text) { return true }
      if Date() >= deadline { return false }
      try? await Task.sleep(for: .milliseconds(50))
    }
  }
}
