internal import CCurl
import Foundation
import Synchronization

/// The thread of one ``HTTPClient``: it alone drives the client's curl multi handle. Other threads hand it
/// work through a locked inbox and wake it with curl_multi_wakeup; it reports back through the
/// transfers' completion closures, which resume the waiting tasks.
final class CurlEventLoop: Sendable {
  struct Inbox {
    var additions: [TransferSpec] = []
    var cancellations: [UInt64] = []
    var resumptions: [UInt64] = []
    var shuttingDown = false
    var exited = false
  }

  let multi: CurlMulti
  let inbox = Mutex(Inbox())
  /// The distinct threads that have run libcurl transfers for this client (expected: exactly one).
  let threadsSeen = Mutex<Set<ObjectIdentifier>>([])

  static let liveThreads = Atomic<Int>(0)

  init(name: String, maxConnectionsPerHost: Int) throws(HTTPError) {
    multi = try CurlMulti(maxConnectionsPerHost: maxConnectionsPerHost)
    Self.liveThreads.add(1, ordering: .relaxed)
    let thread = Thread { [self] in
      CurlDriver(loop: self).run()
      Self.liveThreads.subtract(1, ordering: .relaxed)
    }
    thread.name = name
    thread.start()
  }

  /// Queues a transfer; false when the client has shut down (the spec's completion is then not called).
  func submit(_ spec: TransferSpec) -> Bool {
    let accepted = inbox.withLock { inbox in
      guard !inbox.shuttingDown else { return false }
      inbox.additions.append(spec)
      return true
    }
    if accepted { multi.wakeup() }
    return accepted
  }

  /// Aborts a transfer, queued or running; its completion reports ``HTTPError/Code/cancelled``.
  func cancel(_ token: TransferToken) {
    token.markCancelled()
    let queued = inbox.withLock { inbox in
      guard !inbox.exited else { return false }
      inbox.cancellations.append(token.id)
      return true
    }
    if queued { multi.wakeup() }
  }

  /// Un-pauses a streaming transfer whose reader caught up (``StreamFlow``).
  func resume(_ token: TransferToken) {
    let queued = inbox.withLock { inbox in
      guard !inbox.exited else { return false }
      inbox.resumptions.append(token.id)
      return true
    }
    if queued { multi.wakeup() }
  }

  /// Cancels every transfer and lets the thread end. Idempotent.
  func shutdown() {
    inbox.withLock { $0.shuttingDown = true }
    multi.wakeup()
  }

  var isShutDown: Bool { inbox.withLock { $0.shuttingDown } }
}
