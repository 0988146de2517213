public import ServestackCore

/// Where tests run blocking work (waiting for a child process, openssl, a 200 MiB check in a child):
/// threads of their own, so that neither the cooperative pool (two threads on a two-core machine, shared
/// by every test running in parallel) nor `BlockingExecutor.shared` (which the code under test uses)
/// waits behind a test's setup.
public enum TestBlocking {
  /// More threads than `BlockingExecutor.shared`: test setup mostly waits rather than computes.
  public static let executor = BlockingExecutor(name: "servestack.test-blocking", maximumThreads: 8)

  /// Runs `body` on one of the test executor's threads and returns its result.
  public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await executor.run(body)
  }
}
