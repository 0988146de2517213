import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Uninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Remove what install applied, in reverse phase order, waiting until it is gone; CRDs only with --delete-crds.",
      discussion:
        "Objects another manager also applied or edited (kubectl, Helm, another field manager) are kept and listed.")

    @Option(help: ArgumentHelp("The phase set the install used (default: the built-in one).", valueName: "dir"))
    var phases: String?

    @Flag(
      name: .customLong("delete-crds"),
      help: "Also delete the CRDs the install created, and with them every custom resource of their kinds.")
    var deleteCRDs = false

    @Flag(help: "Say what would be deleted and kept; delete nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("How long to wait for each object to be gone, e.g. 5m.", valueName: "duration"))
    var timeout: String = "5m"

    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let wait = try parseDurationFlag("--timeout", timeout)
      let set = try PhaseSet.resolve(phases: phases.map { URL(fileURLWithPath: $0) })
      let options = UninstallOptions(
        phaseSet: set, deleteCRDs: deleteCRDs, dryRun: dryRun, timeout: wait, stateNamespace: state.stateNamespace)
      let printer = ProgressPrinter(
        format: outputOptions.output, verbs: [.succeeded: dryRun ? "would be removed" : "removed"], reasonAsDetail: true
      )
      let result = try await Uninstaller(client: try cluster.client()).run(options, events: printer.sink)
      switch outputOptions.output {
      case .json: Terminal.line(JSONValue.object(["event": "summary", "uninstall": result.json]).serialized())
      case .text: printText(result)
      }
      if !result.succeeded { throw ExitCode(1) }
    }

    func printText(_ result: UninstallResult) {
      if result.nothingInstalled {
        Terminal.line("nothing to uninstall: no servestack state in \(InstallOptions.defaultStateNamespace)")
        return
      }
      let kept = result.removals.flatMap(\.kept)
      for item in kept { Terminal.line("kept \(item.object): \(item.reason)") }
      let failed = result.removals.flatMap(\.failed)
      for item in failed { Terminal.standardError.write("error: could not delete \(item.object): \(item.message)\n") }
      let deleted = result.removals.reduce(0) { $0 + $1.deleted.count }
      let verb = result.dryRun ? "would delete" : "deleted"
      Terminal.line(
        "\(verb) \(deleted) object(s), kept \(kept.count), \(failed.count) failed in \(result.duration.short)")
      if !failed.isEmpty {
        Terminal.standardError.write(
          "fix the failures above, then run the same uninstall again: it continues where it stopped\n")
      }
    }
  }
}
