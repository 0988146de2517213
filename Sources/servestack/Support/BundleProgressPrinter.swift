import Bundles
import Foundation
import ServestackCore
import Synchronization

/// Prints bundle progress on standard error: one rewritten line on a terminal, nothing otherwise.
final class BundleProgressPrinter: Sendable {
  private struct State {
    var stage: BundleProgress.Stage?
    var stageStart = Date()
    var lastPrint = Date.distantPast
    var printed = false
  }
  private let state = Mutex(State())
  private let terminal = Terminal.standardError
  let enabled: Bool

  init(enabled: Bool = Terminal.standardError.isTTY) { self.enabled = enabled }

  var handler: BundleProgressHandler? {
    guard enabled else { return nil }
    return { [self] progress in self.report(progress) }
  }

  func report(_ progress: BundleProgress) {
    let now = Date()
    let line: String? = state.withLock { state in
      if state.stage != progress.stage {
        state.stage = progress.stage
        state.stageStart = now
      } else if now.timeIntervalSince(state.lastPrint) < 0.2 && progress.itemsDone < progress.itemsTotal {
        return nil
      }
      state.lastPrint = now
      state.printed = true
      var text = progress.stage.rawValue
      if progress.bytesTotal > 0 {
        let elapsed = max(now.timeIntervalSince(state.stageStart), 0.001)
        let rate = Int64(Double(progress.bytesDone) / elapsed)
        text += " \(formatBytes(progress.bytesDone)) / \(formatBytes(progress.bytesTotal)) (\(formatBytes(rate))/s)"
      }
      if progress.itemsTotal > 0 { text += " [\(progress.itemsDone)/\(progress.itemsTotal)]" }
      if let current = progress.current { text += " \(current)" }
      return text
    }
    guard let line else { return }
    terminal.write("\r\u{1B}[K" + String(line.prefix(160)))
  }

  /// Ends the progress line so that what follows starts on its own line.
  func finish() {
    let printed = state.withLock { state in
      defer { state.printed = false }
      return state.printed
    }
    if printed { terminal.write("\r\u{1B}[K") }
  }
}
