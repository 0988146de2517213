import Synchronization

/// Set by a task's cancellation handler, read by blocking loops running on ``BlockingExecutor`` threads
/// (which cannot see the task's own cancellation).
final class CancellationFlag: Sendable {
  private let value = Atomic<Bool>(false)

  var isCancelled: Bool { value.load(ordering: .relaxed) }
  func cancel() { value.store(true, ordering: .relaxed) }
}
