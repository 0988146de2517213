import ArgumentParser
import Conformance
import Foundation
import Kubernetes
import Phases
import ServestackCore

extension Servestack {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Installed components and versions, phase states, and the health of every workload and webhook.",
      discussion: "Exits 1 when something is unhealthy or nothing is installed.")

    @Option(help: ArgumentHelp("The phase set the install used (default: the built-in one).", valueName: "dir"))
    var phases: String?

    @Option(
      help: ArgumentHelp(
        "Where the periodic job keeps its test results (servestack job --namespace).", valueName: "name"))
    var resultsNamespace = "servestack-system"

    @Option(help: ArgumentHelp("How many of the newest stored test results to show (0: none).", valueName: "n"))
    var results = 5

    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let set = try PhaseSet.resolve(phases: phases.map { URL(fileURLWithPath: $0) })
      let client = try cluster.client()
      let report = try await StatusReporter(client: client).run(phaseSet: set, stateNamespace: state.stateNamespace)
      let stored = await StoredResults.newest(results, client: client, namespace: resultsNamespace)
      switch outputOptions.output {
      case .json:
        Terminal.line(StatusWithResults(report: report, results: stored).json.serialized(.pretty))
      case .text:
        printText(report)
        stored.printText(namespace: resultsNamespace)
      }
      if !report.healthy { throw ExitCode(1) }
    }

    func printText(_ report: StatusReport) {
      guard report.installed else {
        Terminal.line(
          "nothing is installed (no servestack state in \(InstallOptions.defaultStateNamespace)); run: servestack install"
        )
        return
      }
      Terminal.line("profile: \(report.profile?.rawValue ?? "unknown")  \(report.healthy ? "healthy" : "NOT healthy")")
      if !report.components.isEmpty {
        Terminal.line("components:")
        for component in report.components {
          let live = component.live.map { $0 == component.version ? "" : " (cluster shows \($0))" } ?? ""
          Terminal.line("  \(component.name) \(component.version)\(live)")
        }
      }
      Terminal.line("phases:")
      for phase in report.phases {
        var line = "  \(phase.name)  \(phase.record.status)  \(phase.record.objects.count) objects"
        if let message = phase.record.message { line += "  \(message)" }
        Terminal.line(line)
      }
      for (title, items) in [("workloads", report.workloads), ("webhooks", report.webhooks)] where !items.isEmpty {
        Terminal.line("\(title):")
        for item in items { Terminal.line("  \(item.healthy ? "ok  " : "FAIL") \(item.object)  \(item.state)") }
      }
    }
  }
}

extension StoredResults {
  func printText(namespace: String) {
    if let problem {
      Terminal.line("test results: cannot read them from \(namespace): \(problem)")
      return
    }
    guard !items.isEmpty else { return }
    Terminal.line("test results (newest first, \(namespace)):")
    for item in items {
      let detail = item.report.map(Self.summary) ?? item.problem ?? ""
      Terminal.line("  \(item.finishedAt)  \(item.outcome?.rawValue ?? "unknown")  \(detail)")
    }
  }
}
