public import Foundation

extension Shell {
  /// ``run(_:_:environment:input:currentDirectory:)`` on ``TestBlocking``'s threads: for async tests, so
  /// that waiting for the command does not hold a thread of the cooperative pool.
  @discardableResult
  public static func runAsync(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    input: String? = nil, currentDirectory: URL? = nil
  ) async throws -> Output {
    try await TestBlocking.run {
      try run(executable, arguments, environment: environment, input: input, currentDirectory: currentDirectory)
    }
  }

  /// ``check(_:_:environment:input:currentDirectory:)`` on ``TestBlocking``'s threads.
  @discardableResult
  public static func checkAsync(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    currentDirectory: URL? = nil
  ) async throws -> String {
    try await TestBlocking.run {
      try check(executable, arguments, environment: environment, input: input, currentDirectory: currentDirectory)
    }
  }
}
