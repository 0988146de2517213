import Phases
import ServestackCore
import Synchronization
import Testing

/// The probe loop of `upgrade apply`: bounded rate, counts, the longest gap without an answer, cleanup.
@Suite("upgrade probe loop")
struct UpgradeProbeRunTests {
  /// A probe scripted by call number: the calls in `failing` fail; after `signalAt` calls, `reached` yields.
  /// Driving the test by calls, not by sleeping, keeps it exact on a loaded machine.
  final class Scripted: Sendable {
    let failing: ClosedRange<Int>
    let signalAt: Int
    let calls = Mutex(0)
    let finished = Mutex(0)
    let reached: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init(failing: ClosedRange<Int>, signalAt: Int) {
      self.failing = failing
      self.signalAt = signalAt
      (reached, signal) = AsyncStream.makeStream()
    }

    var target: UpgradeProbeTarget {
      UpgradeProbeTarget(
        description: "scripted probe",
        send: { [self] in
          let call = calls.withLock {
            $0 += 1
            return $0
          }
          if call == signalAt { signal.yield() }
          return failing.contains(call) ? "503 from the gateway" : nil
        },
        finish: { [self] in
          finished.withLock { $0 += 1 }
          return nil
        })
    }

    func waitForSignal() async {
      for await _ in reached { return }
    }
  }

  @Test("counts requests and failures, measures the longest gap without an answer, stays within its rate and cleans up")
  func countsAndGap() async throws {
    let interval = Duration.milliseconds(20)
    let probe = Scripted(failing: 6...10, signalAt: 15)
    let begun = ContinuousClock.now
    let run = UpgradeProbeRun(target: probe.target, interval: interval)
    run.start()
    await probe.waitForSignal()
    let summary = await run.stop()
    let elapsed = ContinuousClock.now - begun
    let calls = probe.calls.withLock { $0 }
    // The request in flight when the loop stops is not counted.
    #expect(summary.sent >= 14 && (calls - 1...calls).contains(summary.sent), "\(summary), \(calls) calls")
    // The loop starts a request at most once per interval, however fast the probe answers.
    #expect(Double(summary.sent) <= elapsed / interval + 1, "\(summary) in \(elapsed)")
    #expect(summary.failed == 5, "\(summary)")
    // Calls 6 to 10 fail: from the 5th answer to the 11th, at least five intervals pass.
    #expect(summary.longestGap >= interval * 5, "\(summary)")
    #expect(summary.longestGap <= elapsed, "\(summary)")
    #expect(summary.failures.count == 1 && summary.failures[0].hasPrefix("503 from the gateway"), "\(summary.failures)")
    #expect(probe.finished.withLock { $0 } == 1)
    #expect(
      summary.line.hasPrefix("probe scripted probe: \(summary.sent) requests, \(summary.failed) failed, longest gap"))
    #expect(summary.json["sent"]?.intValue == summary.sent)
  }

  @Test("a probe that never answers again reports the gap up to the end")
  func gapToTheEnd() async throws {
    let interval = Duration.milliseconds(50)
    let probe = Scripted(failing: 1...Int.max, signalAt: 3)
    let begun = ContinuousClock.now
    let run = UpgradeProbeRun(target: probe.target, interval: interval)
    run.start()
    await probe.waitForSignal()
    let summary = await run.stop()
    let elapsed = ContinuousClock.now - begun
    #expect(summary.failed == summary.sent && summary.sent >= 2, "\(summary)")
    // Three calls, one per interval at most, and no answer since the start.
    #expect(summary.longestGap >= interval * 2 && summary.longestGap <= elapsed, "\(summary)")
  }
}
