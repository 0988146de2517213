import Foundation
import Phases
import ServestackCore

/// Prints a preflight report as a kubeadm-style table: one line per check, the reason and the fix for
/// warnings and failures.
enum PreflightPrinter {
  static func printText(_ report: PreflightReport, verbose: Bool = true) {
    let width = report.results.map(\.title.count).max() ?? 10
    if let stack = report.stack { Terminal.line(stack.summary) }
    for result in report.results {
      let status = result.ignored ? "warn (ignored failure)" : result.status.rawValue
      if !verbose && result.status == .pass { continue }
      Terminal.line(
        "\(result.title.padding(toLength: width, withPad: " ", startingAt: 0))  \(status.padding(toLength: 5, withPad: " ", startingAt: 0))  \(result.reason)"
      )
      if let fix = result.fix, result.status == .warn || result.status == .fail {
        Terminal.line(String(repeating: " ", count: width + 9) + "fix: \(fix)")
      }
    }
    if let note = report.note { Terminal.line("note: \(note)") }
    Terminal.line("preflight: \(report.summary)")
  }
}
