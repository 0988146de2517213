import Kubernetes
import Phases
import ServestackCore

/// Prints upgrade plans and progress: each step named with its from and to versions, the install
/// engine's phase lines inside it (ProgressPrinter), and a summary; `-o json` one JSON event per line.
final class UpgradePrinter: Sendable {
  let format: OutputFormat
  let phases: ProgressPrinter

  init(format: OutputFormat) {
    self.format = format
    phases = ProgressPrinter(format: format)
  }

  var sink: UpgradeEventSink { { [self] event in self.handle(event) } }

  func handle(_ event: UpgradeEvent) {
    if case .engine(let inner) = event {
      // The engine's own summary is the step's, printed below; the upgrade prints its own at the end.
      if case .summary = inner { return }
      phases.handle(inner)
      return
    }
    if format == .json {
      Terminal.line(event.json.serialized())
      return
    }
    switch event {
    case .stepStarted(let step, let total):
      Terminal.line("step \(step.index)/\(total)\(step.rollback ? " (rollback)" : ""): \(step.summary)")
    case .pruned(_, let deleted, let kept, let failed):
      if !deleted.isEmpty {
        Terminal.line(
          "  pruned \(deleted.count) objects of the old versions: \(deleted.map(\.description).joined(separator: ", "))"
        )
      }
      for item in kept { Terminal.line("  kept \(item.description)") }
      for item in failed { Terminal.line("  prune failed: \(item.description)") }
    case .stepFinished(let step, let succeeded):
      Terminal.line("step \(step.index) \(succeeded ? "done" : "FAILED"): now \(step.name)")
    case .warning(let message): Terminal.line("warning: \(message)")
    case .probeStarted(let target): Terminal.line("probe: \(target) answers; asked until the last step is done")
    case .probe(let summary): Terminal.line(summary.line)
    case .engine: break
    }
  }

  func summary(_ result: UpgradeResult) {
    if format == .json {
      var object = result.json.objectValue ?? [:]
      object.updateValue("upgrade-summary", forKey: "event", insertingAt: 0)
      Terminal.line(JSONValue.object(object).serialized())
      return
    }
    for warning in result.warnings { Terminal.line("warning: \(warning)") }
    if !result.plan.failures.isEmpty {
      var text = "error: the upgrade to \(result.plan.target) did not start: its preflight failed\n"
      for finding in result.plan.failures { text += "  - [\(finding.check)] \(finding.message)\n" }
      let names = Set(result.plan.failures.map(\.check)).sorted().joined(separator: ",")
      text += "  if you accept the risk rerun with --ignore-preflight-errors=\(names)\n"
      Terminal.standardError.write(text)
      return
    }
    if result.plan.steps.isEmpty {
      Terminal.line("nothing to do: \(result.plan.installed.name) already has \(result.plan.target)")
      return
    }
    for line in result.probe?.failures ?? [] { Terminal.line("  probe failure: \(line)") }
    if let problem = result.probe?.cleanupProblem { Terminal.line("warning: probe cleanup: \(problem)") }
    if let failed = result.failedStep {
      var text = "error: the upgrade stopped at step \(failed.step.index) (\(failed.step.summary))\n"
      if let phase = failed.install?.failedPhase {
        text += "  phase \(phase.name) failed:\n"
        for problem in phase.problems where !problem.hasPrefix("to resume") { text += "  - \(problem)\n" }
      }
      if let resume = result.resumeCommand { text += "  to go on once it is fixed, run: \(resume)\n" }
      if let back = result.rollbackCommand { text += "  to go back to the versions installed before, run: \(back)\n" }
      Terminal.standardError.write(text)
      return
    }
    let pruned = result.steps.reduce(0) { $0 + $1.pruned.count }
    switch result.tests {
    case .skipped(let why): Terminal.line("tests: skipped: \(why)")
    case .notRun(let why): Terminal.line("tests: \(why)")
    case .ran(let outcome): Terminal.line("tests: \(outcome.passed ? "passed" : "FAILED"): \(outcome.summary)")
    }
    Terminal.line(
      "upgraded to \(result.plan.final.map { "\($0.component) \($0.version)" }.joined(separator: ", ")) in \(result.steps.count) step(s), \(pruned) objects of the old versions pruned (\(result.duration.short))"
    )
    if case .ran(let outcome) = result.tests, !outcome.passed {
      Terminal.standardError.write(
        "error: every step succeeded but the test phases after the upgrade failed: \(outcome.summary)\n")
    }
  }

  /// The human view of `upgrade plan`.
  static func printPlan(_ report: UpgradeReport, command: String) {
    Terminal.line(
      "installed: stack \(report.plan.installed.name)\(report.kubernetes.map { " on Kubernetes \($0)" } ?? "")")
    for item in report.installed {
      let live =
        item.live.map {
          $0 == item.version || "v" + $0 == item.version || $0 == "v" + item.version
            ? "" : " (the cluster's CRDs say \($0))"
        } ?? ""
      Terminal.line("  \(item.component) \(item.version)\(live)")
    }
    guard !report.steps.isEmpty else {
      Terminal.line("nothing to do: \(report.plan.target) is installed")
      return
    }
    Terminal.line("upgrade to \(report.plan.target): \(report.steps.count) step(s)")
    for plan in report.steps {
      Terminal.line("step \(plan.step.index)\(plan.step.rollback ? " (rollback)" : ""): \(plan.step.summary)")
      for phase in plan.phases {
        Terminal.line("  phase \(phase.name): \(phase.objects.summary)")
        for outcome in phase.objectOutcomes where outcome.changes {
          Terminal.line("    \(outcome.outcome.label) \(outcome.object)")
        }
        for problem in phase.problems { Terminal.line("    problem: \(problem)") }
      }
      if !plan.removed.isEmpty {
        Terminal.line("  removed (pruned once the step is healthy): \(plan.removed.count)")
        for object in plan.removed { Terminal.line("    \(object)") }
      }
      for change in plan.crdChanges { Terminal.line("  crd \(change.crd): \(change.change)") }
      if !plan.images.isEmpty { Terminal.line("  images to pull: \(plan.images.joined(separator: ", "))") }
      for line in plan.kubernetes { Terminal.line("  \(line)") }
    }
    if !report.crdAnalysis { Terminal.line("crd version changes: not analysed by this build") }
    for finding in report.plan.findings {
      Terminal.line(
        "\(finding.ignored ? "warning" : "error") [\(finding.check)] step \(finding.step): \(finding.message)")
    }
    Terminal.line(
      report.plan.failures.isEmpty
        ? "to apply it: \(command)"
        : "the upgrade would not start: fix the errors above or accept them with --ignore-preflight-errors")
  }
}
