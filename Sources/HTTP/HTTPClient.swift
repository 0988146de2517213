import Synchronization

/// An HTTP/1.1 and HTTP/2 client over libcurl, shared by everything that talks to a cluster, a registry or
/// a download server.
///
/// Each client runs one dedicated thread that drives libcurl's multi interface; requests are handed to it
/// and awaited, so no task ever blocks a thread of Swift's cooperative pool. Connections (and HTTP/2
/// streams) are reused across requests of the same client. An HTTP error status is a response, not a
/// thrown error; only transport failures throw ``HTTPError``, after retries.
public final class HTTPClient: Sendable {
  public let configuration: HTTPClientConfiguration
  let loop: CurlEventLoop
  /// `.environment` proxy settings, read once when the client is made.
  let environmentProxy: ProxyRules

  /// Starts the client's transfer thread.
  ///
  /// #### Errors
  /// ``HTTPError`` when libcurl cannot be initialized.
  public init(configuration: HTTPClientConfiguration = .init()) throws(HTTPError) {
    self.configuration = configuration
    if case .environment = configuration.proxy {
      environmentProxy = .environment()
    } else {
      environmentProxy = ProxyRules()
    }
    loop = try CurlEventLoop(name: "servestack.http", maxConnectionsPerHost: configuration.maxConnectionsPerHost)
  }

  deinit { loop.shutdown() }

  /// Cancels the requests in flight (they throw ``HTTPError/Code/cancelled``), refuses new ones and ends
  /// the transfer thread. Dropping the client does the same.
  public func shutdown() { loop.shutdown() }

  /// The number of distinct threads that ran this client's transfers: 1 once it has started.
  public var threadsUsed: Int { loop.threadsSeen.withLock { $0.count } }

  /// Transfer threads of all clients alive in the process.
  public static var threadsRunning: Int { CurlEventLoop.liveThreads.load(ordering: .relaxed) }

  /// Sends `request`, retrying as its ``RetryPolicy`` allows, and returns the final response, whatever its
  /// status.
  ///
  /// #### Errors
  /// ``HTTPError`` when no response could be had: connection, DNS, TLS, timeout, proxy, file I/O, a body
  /// over the memory limit, a digest mismatch, or cancellation of the calling task.
  public func execute(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    let prepared = try prepare(request)
    let policy = request.retry ?? configuration.retry
    var attempt = 0
    while true {
      attempt += 1
      let sink: TransferSpec.Sink =
        switch request.destination {
        case .memory(let limit): .memory(limit: limit)
        case .file(let url): .file(url)
        case .fileRegion(let url, let offset, let length): .fileRegion(url, offset: offset, length: length)
        }
      switch await perform(prepared, sink: sink) {
      case .success(let result):
        if attempt < policy.maxAttempts, request.isRepeatable,
          policy.retryableStatuses.contains(result.head.status)
        {
          try await pause(policy.delay(afterAttempt: attempt, headers: result.head.headers), request, attempt)
          continue
        }
        return HTTPResponse(
          status: result.head.status, headers: result.head.headers, body: result.body, bodyLength: result.bodyLength,
          bodyDigest: result.digest, httpVersion: result.head.httpVersion, attempts: attempt, url: result.effectiveURL)
      case .failure(var error):
        error.attempts = attempt
        guard attempt < policy.maxAttempts, Self.isRetryable(error, repeatable: request.isRepeatable) else {
          throw error
        }
        try await pause(policy.backoff(afterAttempt: attempt), request, attempt)
      }
    }
  }

  /// A GET of `url` into memory.
  public func get(_ url: String, headers: HTTPHeaders = [:]) async throws(HTTPError) -> HTTPResponse {
    try await execute(HTTPRequest(method: .get, url: url, headers: headers))
  }

  /// One attempt: hands the transfer to the thread and waits for it; cancelling the task aborts it.
  func perform(_ prepared: PreparedRequest, sink: TransferSpec.Sink) async -> Result<TransferResult, HTTPError> {
    let loop = self.loop
    let token = TransferToken()
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Result<TransferResult, HTTPError>, Never>) in
        let spec = prepared.spec(token: token, sink: sink, onHead: nil) { continuation.resume(returning: $0) }
        if !loop.submit(spec) { continuation.resume(returning: .failure(prepared.refusedAfterShutdown())) }
      }
    } onCancel: {
      loop.cancel(token)
    }
  }
}
