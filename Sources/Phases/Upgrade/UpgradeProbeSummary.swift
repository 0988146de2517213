public import ServestackCore

/// What the probe saw during an upgrade: requests sent, failed, and the longest time without a
/// successful answer (from the last answer before it, or the start, to the next one, or the end).
public struct UpgradeProbeSummary: Sendable, Equatable {
  public var target: String
  public var sent: Int
  public var failed: Int
  public var longestGap: Duration
  /// The first few distinct failures, each with how often it was seen.
  public var failures: [String]
  /// Cleaning up after the probe failed (it is reported, the upgrade is not failed for it).
  public var cleanupProblem: String?

  public init(
    target: String, sent: Int, failed: Int, longestGap: Duration, failures: [String], cleanupProblem: String? = nil
  ) {
    self.target = target
    self.sent = sent
    self.failed = failed
    self.longestGap = longestGap
    self.failures = failures
    self.cleanupProblem = cleanupProblem
  }

  /// `probe inferenceservice …: 412 requests, 0 failed, longest gap without an answer 0.3s`.
  public var line: String {
    "probe \(target): \(sent) requests, \(failed) failed, longest gap without an answer \(longestGap.short)"
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "target": .string(target), "sent": .int(sent), "failed": .int(failed),
      "longestGapSeconds": .double(longestGap.seconds), "failures": .array(failures.map { .string($0) }),
    ]
    if let cleanupProblem { object["cleanupProblem"] = .string(cleanupProblem) }
    return .object(object)
  }
}
