public import Foundation

/// When and how often a request is sent again. Idempotent requests are retried after connection failures
/// and on ``retryableStatuses``; any request is retried when it never reached the server (refused, DNS,
/// connect timeout). Waits grow exponentially with jitter; a `Retry-After` header is obeyed instead.
public struct RetryPolicy: Sendable, Equatable {
  /// Attempts in all, the first included; 1 means no retries.
  public var maxAttempts: Int
  public var initialBackoff: Duration
  public var maxBackoff: Duration
  public var retryableStatuses: Set<Int>

  public init(maxAttempts: Int, initialBackoff: Duration, maxBackoff: Duration, retryableStatuses: Set<Int>) {
    self.maxAttempts = max(1, maxAttempts)
    self.initialBackoff = initialBackoff
    self.maxBackoff = maxBackoff
    self.retryableStatuses = retryableStatuses
  }

  public static let none = RetryPolicy(maxAttempts: 1, initialBackoff: .zero, maxBackoff: .zero, retryableStatuses: [])

  /// 4 attempts, waits from 200 ms up to 10 s, retrying 429, 500, 502, 503 and 504 (a registry behind a
  /// load balancer answers those for a moment; only repeatable requests are retried on a status).
  public static let `default` = RetryPolicy(
    maxAttempts: 4, initialBackoff: .milliseconds(200), maxBackoff: .seconds(10),
    retryableStatuses: [429, 500, 502, 503, 504])

  /// The wait before attempt `attempt + 1` after `attempt` (1-based) failed: `initialBackoff · 2^(attempt-1)`,
  /// capped at ``maxBackoff``, of which the upper half is random ("equal jitter"), so that many clients that
  /// failed together do not come back together.
  public func backoff(afterAttempt attempt: Int) -> Duration {
    let exponent = min(max(attempt - 1, 0), 30)
    let base = min(initialBackoff * (1 << exponent), maxBackoff)
    let half = base / 2
    return half + half * Double.random(in: 0...1)
  }

  /// The wait a `Retry-After` value asks for: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), never
  /// more than ``maxBackoff`` and never negative; nil when the value is neither.
  public func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
    guard let wait = Self.parseRetryAfter(value, now: now) else { return nil }
    return min(wait, maxBackoff)
  }

  /// Parses a `Retry-After` value into a wait from `now` (zero for dates in the past).
  public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
    let text = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
    for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.timeZone = TimeZone(identifier: "GMT")
      formatter.dateFormat = format
      if let date = formatter.date(from: text) {
        let seconds = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64((seconds * 1000).rounded()))
      }
    }
    return nil
  }
}
