import Foundation
import Phases
import ServestackCore

/// The end of an install (or plan) in text: the headline, the tests, and on failure one report that says
/// what failed, on which object, why, and the exact command to resume.
enum InstallSummary {
  static func printText(_ result: InstallResult) {
    // result.warnings is not printed here: each was an event, which the progress printer already showed.
    if let preflight = result.preflight, preflight.failed {
      let names = preflight.failures.map(\.title)
      Terminal.standardError.write(
        """
        error: preflight failed (\(names.joined(separator: ", "))): nothing was installed.
          fix the failures above, or if you accept the risk rerun with --ignore-preflight-errors=\(names.joined(separator: ","))

        """)
      return
    }
    if let failed = result.failedPhase {
      var text =
        result.dryRun
        ? "error: dry run: the server refused objects of phase \(failed.name); nothing was changed\n"
        : "error: install failed at phase \(failed.name) after \(failed.duration.short)\n"
      for problem in failed.problems where !problem.hasPrefix("to resume") { text += "  - \(problem)\n" }
      if let hint = failed.problems.last(where: { $0.hasPrefix("to resume") }) { text += "  \(hint)\n" }
      Terminal.standardError.write(text)
      return
    }
    Terminal.line(result.headline)
    if !result.dryRun {
      switch result.tests {
      case .skipped(let why): Terminal.line("tests: skipped: \(why)")
      case .notRun(let why): Terminal.line("tests: \(why)")
      case .ran(let outcome): Terminal.line("tests: \(outcome.passed ? "passed" : "FAILED"): \(outcome.summary)")
      }
    }
  }
}
