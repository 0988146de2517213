import Phases
import ServestackCore
import Synchronization
import Testing

/// The probe loop of `upgrade apply`: bounded rate, counts, the longest gap without an answer, cleanup.
@Suite("upgrade probe loop")
struct UpgradeProbeRunTests {
  /// A probe that fails while `failing` is set, counting its calls and cleanups.
  final class Scripted: Sendable {
    let failing = Mutex(false)
    let calls = Mutex(0)
    let finished = Mutex(0)

    var target: UpgradeProbeTarget {
      UpgradeProbeTarget(
        description: "scripted probe",
        send: { [self] in
          calls.withLock { $0 += 1 }
          return failing.withLock { $0 } ? "503 from the gateway" : nil
        },
        finish: { [self] in
          finished.withLock { $0 += 1 }
          return nil
        })
    }
  }

  @Test("counts requests and failures, measures the longest gap without an answer, stays within its rate and cleans up")
  func countsAndGap() async throws {
    let probe = Scripted()
    let run = UpgradeProbeRun(target: probe.target, interval: .milliseconds(20))
    run.start()
    try await Task.sleep(for: .milliseconds(200))
    probe.failing.withLock { $0 = true }
    try await Task.sleep(for: .milliseconds(400))
    probe.failing.withLock { $0 = false }
    try await Task.sleep(for: .milliseconds(200))
    let summary = await run.stop()
    #expect(summary.sent == probe.calls.withLock { $0 })
    // 800 ms at one request per 20 ms at most: no more than 40 (and a loaded machine still sends some).
    #expect(summary.sent > 5 && summary.sent <= 41, "\(summary)")
    #expect(summary.failed > 0 && summary.failed < summary.sent, "\(summary)")
    #expect(summary.longestGap >= .milliseconds(380), "the 400 ms of failures: \(summary)")
    #expect(summary.longestGap < .milliseconds(800), "\(summary)")
    #expect(summary.failures.count == 1 && summary.failures[0].hasPrefix("503 from the gateway"), "\(summary.failures)")
    #expect(probe.finished.withLock { $0 } == 1)
    #expect(
      summary.line.hasPrefix("probe scripted probe: \(summary.sent) requests, \(summary.failed) failed, longest gap"))
    #expect(summary.json["sent"]?.intValue == summary.sent)
  }

  @Test("a probe that never answers again reports the gap up to the end")
  func gapToTheEnd() async throws {
    let probe = Scripted()
    probe.failing.withLock { $0 = true }
    let run = UpgradeProbeRun(target: probe.target, interval: .milliseconds(50))
    run.start()
    try await Task.sleep(for: .milliseconds(300))
    let summary = await run.stop()
    #expect(summary.failed == summary.sent && summary.sent > 0)
    #expect(summary.longestGap >= .milliseconds(300), "\(summary)")
  }
}
