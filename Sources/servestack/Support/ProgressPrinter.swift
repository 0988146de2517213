import Foundation
import Phases
import ServestackCore
import Synchronization

/// Draws engine events: on a terminal one live line per phase (state and elapsed time, rewritten in
/// place), then a final line per phase; elsewhere the final lines only; with `-o json` one JSON event per
/// line. Events arrive from several tasks, so the state is behind a mutex.
final class ProgressPrinter: Sendable {
  struct State {
    var phase: String?
    var label = ""
    var started = ContinuousClock.now
    var liveLineOpen = false
  }

  let format: OutputFormat
  let live: Bool
  /// What a finished phase is called (`install` prints outcomes, `uninstall` says removed).
  let verbs: [PhaseOutcome: String]
  /// Uninstall reports deletions in the phase's reason, not object counts.
  let reasonAsDetail: Bool
  private let state = Mutex(State())

  init(format: OutputFormat, verbs: [PhaseOutcome: String] = [:], reasonAsDetail: Bool = false) {
    self.reasonAsDetail = reasonAsDetail
    self.format = format
    self.live = format == .text && Terminal.standardOutput.isTTY
    self.verbs = verbs
  }

  var sink: EngineEventSink { { [self] event in self.handle(event) } }

  func handle(_ event: EngineEvent) {
    if format == .json {
      Terminal.standardOutput.write(event.json.serialized() + "\n")
      return
    }
    switch event {
    case .preflight(let report):
      PreflightPrinter.printText(report, verbose: report.failed)
    case .phaseStarted(let name, let index, let total, let action):
      state.withLock { state in
        state.phase = name.rawValue
        state.label = "[\(index)/\(total)] \(name.rawValue)"
        state.started = .now
        if live { drawLive(&state, "\(action.description)…") }
      }
    case .objectsApplied(_, let counts):
      state.withLock { state in if live { drawLive(&state, "objects: \(counts.summary)") } }
    case .waitProgress(_, let what, let status):
      state.withLock { state in if live { drawLive(&state, "waiting: \(what): \(status)") } }
    case .removalProgress(_, let done, let total):
      state.withLock { state in if live { drawLive(&state, "deleting: \(done)/\(total) done") } }
    case .phaseFinished(let result):
      state.withLock { state in
        let label = state.phase == result.name.rawValue ? state.label : result.name.rawValue
        if state.liveLineOpen { Terminal.standardOutput.write("\r\u{1B}[K") }
        state.liveLineOpen = false
        state.phase = nil
        Terminal.standardOutput.write(
          Self.finishedLine(label: label, result: result, verb: verbs[result.outcome], reasonAsDetail: reasonAsDetail)
            + "\n")
        for problem in result.problems { Terminal.standardOutput.write("      \(problem)\n") }
      }
    case .warning(let message):
      state.withLock { state in
        if state.liveLineOpen { Terminal.standardOutput.write("\r\u{1B}[K") }
        state.liveLineOpen = false
      }
      Terminal.standardError.write("warning: \(message)\n")
    case .summary:
      break  // the command prints its own summary
    }
  }

  private func drawLive(_ state: inout State, _ text: String) {
    let elapsed = (ContinuousClock.now - state.started).short
    var line = "\(state.label)  \(elapsed)  \(text)"
    let width = 118
    if line.count > width { line = String(line.prefix(width - 1)) + "…" }
    Terminal.standardOutput.write("\r\u{1B}[K" + line)
    state.liveLineOpen = true
  }

  /// `[3/7] kserve  succeeded  41.2s  (120 created, 0 configured, 3 unchanged)`.
  static func finishedLine(label: String, result: PhaseResult, verb: String?, reasonAsDetail: Bool) -> String {
    var line = "\(label)  \(verb ?? result.outcome.rawValue)  \(result.duration.short)"
    if reasonAsDetail { return line + "  (\(result.reason))" }
    switch result.outcome {
    case .succeeded, .planned, .failed:
      if result.objects.total > 0 { line += "  (\(result.objects.summary))" }
    case .unchanged, .notRun:
      line += "  (\(result.reason))"
    }
    return line
  }
}
