import Synchronization

/// Flow control between a streaming transfer and the task reading its body: the transfer thread pauses the
/// transfer (`CURL_WRITEFUNC_PAUSE`) while more than ``highWater`` bytes wait unread, and the reader
/// resumes it once it has read the backlog down to ``lowWater``. Without it a slow reader makes the body
/// pile up in memory as fast as the network delivers it.
final class StreamFlow: Sendable {
  static let highWater = 4 << 20
  static let lowWater = 1 << 20

  private struct State {
    var buffered = 0
    var paused = false
  }

  // The decision to pause and the decision to resume are taken under one lock, so a reader that drains
  // the backlog just as the transfer pauses always sees the pause and resumes it.
  private let state = Mutex(State())
  private let resume: @Sendable () -> Void

  /// `resume` asks the transfer thread to un-pause the transfer (``CurlEventLoop/resume(_:)``).
  init(resume: @escaping @Sendable () -> Void) { self.resume = resume }

  /// On the transfer thread, before `count` bytes are handed to the reader: false when they must wait
  /// (the transfer is then paused, and libcurl delivers the same bytes again once it is resumed).
  func admit(_ count: Int) -> Bool {
    state.withLock { state in
      guard state.buffered < Self.highWater else {
        state.paused = true
        return false
      }
      state.buffered += count
      return true
    }
  }

  /// On the reader's side, after it took `count` bytes.
  func consumed(_ count: Int) {
    let wake = state.withLock { state in
      state.buffered -= count
      guard state.paused, state.buffered <= Self.lowWater else { return false }
      state.paused = false
      return true
    }
    if wake { resume() }
  }
}
