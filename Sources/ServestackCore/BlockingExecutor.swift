import DequeModule
import Foundation

/// Runs blocking work (file hashing, libarchive, waiting for a child process) on a few dedicated threads,
/// so that it never occupies a thread of Swift's cooperative pool.
public final class BlockingExecutor: @unchecked Sendable {
  // @unchecked Sendable: `jobs`, `threads` and `idle` are only read or written with `condition` locked.
  private let condition = NSCondition()
  private var jobs = Deque<@Sendable () -> Void>()
  private var threads = 0
  private var idle = 0
  private let maximumThreads: Int
  private let name: String

  /// The executor for short blocking jobs of the whole process.
  public static let shared = BlockingExecutor(name: "servestack.blocking", maximumThreads: 4)

  public init(name: String, maximumThreads: Int) {
    self.name = name
    self.maximumThreads = max(1, maximumThreads)
  }

  /// Runs `body` on one of the executor's threads and returns its result.
  public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      submit { continuation.resume(with: Result { try body() }) }
    }
  }

  /// Runs a non-throwing `body` on one of the executor's threads.
  public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      submit { continuation.resume(returning: body()) }
    }
  }

  private func submit(_ job: @escaping @Sendable () -> Void) {
    condition.lock()
    jobs.append(job)
    if idle == 0 && threads < maximumThreads {
      threads += 1
      let thread = Thread { self.work() }
      thread.name = "\(name).\(threads)"
      thread.start()
    }
    condition.signal()
    condition.unlock()
  }

  private func work() {
    while true {
      condition.lock()
      while jobs.isEmpty {
        idle += 1
        condition.wait()
        idle -= 1
      }
      let job = jobs.removeFirst()
      condition.unlock()
      job()
    }
  }
}
