import Synchronization

/// Asks a probe one request at a time, at most one per `interval`, from `start` until `stop`: a bounded
/// rate however slow or fast the answers are. The counts are kept behind a lock; the loop is one task.
public final class UpgradeProbeRun: Sendable {
  struct Counts {
    var sent = 0
    var failed = 0
    var lastSuccess: ContinuousClock.Instant
    var longestGap: Duration = .zero
    /// Distinct failure messages in the order first seen, with how often.
    var failures: [(message: String, count: Int)] = []
  }

  static let keptFailures = 5

  let target: UpgradeProbeTarget
  let interval: Duration
  private let counts: Mutex<Counts>
  private let task = Mutex<Task<Void, Never>?>(nil)

  public init(target: UpgradeProbeTarget, interval: Duration) {
    self.target = target
    self.interval = interval
    counts = Mutex(Counts(lastSuccess: .now))
  }

  /// Starts asking in a background task.
  public func start() {
    let loop = Task { [self] in
      while !Task.isCancelled {
        let started = ContinuousClock.now
        let failure = await target.send()
        if Task.isCancelled { break }
        record(failure, at: .now)
        let next = started + interval
        if next > .now { try? await Task.sleep(until: next, clock: .continuous) }
      }
    }
    task.withLock { $0 = loop }
  }

  func record(_ failure: String?, at instant: ContinuousClock.Instant) {
    counts.withLock { counts in
      counts.sent += 1
      guard let failure else {
        counts.longestGap = max(counts.longestGap, instant - counts.lastSuccess)
        counts.lastSuccess = instant
        return
      }
      counts.failed += 1
      if let index = counts.failures.firstIndex(where: { $0.message == failure }) {
        counts.failures[index].count += 1
      } else if counts.failures.count < Self.keptFailures {
        counts.failures.append((failure, 1))
      }
    }
  }

  /// Stops asking (the request in flight is cancelled and not counted), cleans up, and sums up.
  public func stop() async -> UpgradeProbeSummary {
    let running = task.withLock { $0 }
    running?.cancel()
    await running?.value
    let end = ContinuousClock.now
    let summary = counts.withLock { counts in
      UpgradeProbeSummary(
        target: target.description, sent: counts.sent, failed: counts.failed,
        longestGap: max(counts.longestGap, end - counts.lastSuccess),
        failures: counts.failures.map { $0.count == 1 ? $0.message : "\($0.message) (\($0.count) times)" })
    }
    var result = summary
    result.cleanupProblem = await target.finish()
    return result
  }
}
