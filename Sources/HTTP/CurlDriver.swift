internal import CCurl
import Foundation
import Synchronization

/// The loop run by a client's transfer thread; it owns the running transfers and is never shared.
final class CurlDriver {
  private let loop: CurlEventLoop
  private var active: [UInt64: CurlTransfer] = [:]

  init(loop: CurlEventLoop) { self.loop = loop }

  func run() {
    loop.threadsSeen.withLock { _ = $0.insert(ObjectIdentifier(Thread.current)) }
    let multi = loop.multi.handle
    while true {
      let (additions, cancellations, resumptions, shuttingDown) = loop.inbox.withLock { inbox in
        defer {
          inbox.additions.removeAll()
          inbox.cancellations.removeAll()
          inbox.resumptions.removeAll()
        }
        return (inbox.additions, inbox.cancellations, inbox.resumptions, inbox.shuttingDown)
      }
      for id in cancellations { abort(id, reason: "was cancelled") }
      // libcurl may deliver the held-back data from inside curl_easy_pause, which can pause again.
      for id in resumptions {
        if let transfer = active[id] { _ = curl_easy_pause(transfer.easy.handle, ss_CURLPAUSE_CONT) }
      }
      for spec in additions { start(spec) }
      if shuttingDown {
        stopAll()
        return
      }
      var running: Int32 = 0
      let code = curl_multi_perform(multi, &running)
      if code != CURLM_OK {
        failAll(CurlErrors.multiError(code, operation: "curl_multi_perform", url: ""))
      }
      collectFinished()
      _ = curl_multi_poll(multi, nil, 0, 1000, nil)
    }
  }

  private func start(_ spec: TransferSpec) {
    let method = spec.request.method
    if spec.token.isCancelled {
      spec.onComplete(.failure(Self.cancelled(spec, "was cancelled")))
      return
    }
    let transfer: CurlTransfer
    do {
      transfer = try CurlTransfer(spec: spec)
    } catch {
      spec.onComplete(.failure(error))
      return
    }
    let code = curl_multi_add_handle(loop.multi.handle, transfer.easy.handle)
    guard code == CURLM_OK else {
      let error = CurlErrors.multiError(code, operation: "\(method) curl_multi_add_handle", url: spec.request.url)
      spec.onComplete(.failure(error))
      return
    }
    active[spec.token.id] = transfer
  }

  private func collectFinished() {
    var remaining: Int32 = 0
    while let message = curl_multi_info_read(loop.multi.handle, &remaining) {
      guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
      let result = message.pointee.data.result
      var privateData: UnsafeMutableRawPointer?
      _ = ss_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privateData)
      let id = UInt64(UInt(bitPattern: privateData))
      _ = curl_multi_remove_handle(loop.multi.handle, easy)
      guard let transfer = active.removeValue(forKey: id) else { continue }
      transfer.spec.onComplete(transfer.finish(result))
    }
  }

  private func abort(_ id: UInt64, reason: String) {
    guard let transfer = active.removeValue(forKey: id) else { return }
    _ = curl_multi_remove_handle(loop.multi.handle, transfer.easy.handle)
    _ = transfer.finish(CURLE_ABORTED_BY_CALLBACK)
    transfer.spec.onComplete(.failure(Self.cancelled(transfer.spec, reason)))
  }

  private func failAll(_ error: HTTPError) {
    for (id, transfer) in active {
      _ = curl_multi_remove_handle(loop.multi.handle, transfer.easy.handle)
      active[id] = nil
      transfer.spec.onComplete(.failure(error))
    }
  }

  /// Shutdown: aborts what runs, refuses what is queued, and marks the inbox so that nothing else lands.
  private func stopAll() {
    for id in Array(active.keys) { abort(id, reason: "was stopped because the HTTP client shut down") }
    let leftovers = loop.inbox.withLock { inbox in
      inbox.exited = true
      defer { inbox.additions.removeAll() }
      return inbox.additions
    }
    for spec in leftovers {
      spec.onComplete(.failure(Self.cancelled(spec, "was stopped because the HTTP client shut down")))
    }
  }

  static func cancelled(_ spec: TransferSpec, _ reason: String) -> HTTPError {
    HTTPError(
      .cancelled, "\(spec.request.method) \(HTTPError.redacting(spec.request.url)) \(reason)", url: spec.request.url)
  }
}
