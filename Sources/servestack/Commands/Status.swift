import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Installed components and versions, phase states, and the health of every workload and webhook.",
      discussion: "Exits 1 when something is unhealthy or nothing is installed.")

    @Option(help: ArgumentHelp("The phase set the install used (default: the built-in one).", valueName: "dir"))
    var phases: String?

    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let set = try PhaseSet.resolve(phases: phases.map { URL(fileURLWithPath: $0) })
      let report = try await StatusReporter(client: try cluster.client()).run(phaseSet: set, stateNamespace: state.stateNamespace)
      switch outputOptions.output {
      case .json: Terminal.line(report.json.serialized(.pretty))
      case .text: printText(report)
      }
      if !report.healthy { throw ExitCode(1) }
    }

    func printText(_ report: StatusReport) {
      guard report.installed else {
        Terminal.line("nothing is installed (no servestack state in \(InstallOptions.defaultStateNamespace)); run: servestack install")
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
