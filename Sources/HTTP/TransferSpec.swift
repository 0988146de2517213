import Foundation
import ServestackCore
import Synchronization

/// Everything the transfer thread needs to run one attempt of a request, resolved on the caller's side.
struct TransferSpec: Sendable {
  enum Sink: Sendable {
    case memory(limit: Int)
    case file(URL)
    case fileRegion(URL, offset: Int64, length: Int64)
    /// Chunks go to the stream as they arrive, after ``TransferSpec/onHead`` was called, while `flow`
    /// admits them.
    case stream(AsyncThrowingStream<[UInt8], any Error>.Continuation, StreamFlow)
  }

  let token: TransferToken
  var request: HTTPRequest
  /// The URL handed to libcurl: the request's, with the host replaced by the TLS server name if one is set.
  var curlURL: String
  /// CURLOPT_CONNECT_TO entry (`name:port:host:port`) that keeps connecting to the original host.
  var connectTo: String?
  /// The original `Host` header value when the URL's host was replaced.
  var hostHeader: String?
  var tls: TLSConfiguration
  /// "" for no proxy.
  var proxy: String
  /// "" for no exclusions (also stops libcurl from reading `no_proxy` itself).
  var noProxy: String
  var authorization: HTTPAuthorization?
  var connectTimeout: Duration
  var timeout: Duration?
  var preferHTTP2: Bool
  var userAgent: String
  /// CURLOPT_PROTOCOLS_STR / CURLOPT_REDIR_PROTOCOLS_STR.
  var protocols: String
  /// ``LoopbackFence`` was on when the request was prepared: connect only to loopback addresses.
  var loopbackOnly: Bool
  var sink: Sink
  /// Called once, on the transfer thread, when the final response's headers are complete (streams only).
  var onHead: (@Sendable (ResponseHead) -> Void)?
  /// Called exactly once, on the transfer thread, when the attempt ends in any way.
  var onComplete: @Sendable (Result<TransferResult, HTTPError>) -> Void
}

/// Identifies a transfer across threads; `cancel()` may be called before the transfer thread has seen it.
final class TransferToken: Sendable {
  let id: UInt64
  private let cancelledFlag = Atomic<Bool>(false)

  private static let counter = Atomic<UInt64>(0)

  init() { id = Self.counter.add(1, ordering: .relaxed).newValue }

  var isCancelled: Bool { cancelledFlag.load(ordering: .acquiring) }
  func markCancelled() { cancelledFlag.store(true, ordering: .releasing) }
}

/// Status line and headers of a response.
struct ResponseHead: Sendable {
  var status: Int
  var headers: HTTPHeaders
  var httpVersion: String
}

/// The outcome of one successful attempt.
struct TransferResult: Sendable {
  var head: ResponseHead
  var body: [UInt8]
  var bodyLength: Int64
  var digest: Digest?
  var effectiveURL: String
}

/// Resumes a continuation at most once, whoever gets there first.
final class ResumeOnce<Value: Sendable>: Sendable {
  private let continuation: Mutex<CheckedContinuation<Value, Never>?>

  init(_ continuation: CheckedContinuation<Value, Never>) { self.continuation = Mutex(continuation) }

  /// Returns false if it had already been resumed.
  @discardableResult
  func resume(_ value: Value) -> Bool {
    guard
      let pending = continuation.withLock({ slot in
        defer { slot = nil }
        return slot
      })
    else { return false }
    pending.resume(returning: value)
    return true
  }
}

extension TransferSpec.Sink {
  /// The file a body is written to, if any.
  var fileURL: URL? {
    switch self {
    case .file(let url), .fileRegion(let url, _, _): url
    case .memory, .stream: nil
    }
  }
}
