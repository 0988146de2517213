extension HTTPClient {
  /// Whether a failed attempt may be repeated: always when the request never reached the server, and for
  /// idempotent methods when the connection failed or broke. TLS, proxy, URL, file and size failures
  /// would fail the same way again; a request that timed out after it was sent is not repeated either.
  static func isRetryable(_ error: HTTPError, repeatable: Bool) -> Bool {
    if error.code == .cancelled { return false }
    if error.notSent && error.code != .dns && error.code != .proxy { return true }
    guard repeatable else { return false }
    return error.code == .connectionFailed || error.code == .connectionRefused || error.code == .connectionClosed
  }

  /// Waits before the next attempt; a cancelled task stops waiting and fails.
  func pause(_ delay: Duration, _ request: HTTPRequest, _ attempt: Int) async throws(HTTPError) {
    do {
      try await Task.sleep(for: delay)
    } catch {
      var cancelled = HTTPError(
        .cancelled, "\(request.method) \(HTTPError.redacting(request.url)) was cancelled while waiting to retry",
        url: request.url)
      cancelled.attempts = attempt
      throw cancelled
    }
  }
}

extension RetryPolicy {
  /// The wait after a retryable status: what `Retry-After` asks (up to ``maxBackoff``), else the backoff.
  func delay(afterAttempt attempt: Int, headers: HTTPHeaders) -> Duration {
    if let value = headers["Retry-After"], let wait = retryAfter(value) { return wait }
    return backoff(afterAttempt: attempt)
  }
}
