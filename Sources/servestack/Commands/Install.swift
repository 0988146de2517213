import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Preflight, then the install phases in order, then the test phases; resumable.",
      discussion: """
        A phase installed before with the same digest is verified, not applied again; after a failure or a \
        kill, running the same command again continues at the first phase that did not succeed. A Lease in \
        servestack-system keeps two installs from running at once.
        """)

    @OptionGroup var phaseOptions: PhaseOptions
    @OptionGroup var preflightFlags: PreflightFlags

    @Option(help: ArgumentHelp("Start at this phase: it and the phases after it are applied again.", valueName: "phase"))
    var from: String?

    @Option(help: ArgumentHelp("Run only these phases (comma separated or repeated), applied again.", valueName: "phase"))
    var only: [String] = []

    @Flag(help: "Server-side dry run of every phase: nothing is stored, no state is written.")
    var dryRun = false

    @Option(help: ArgumentHelp("Overall time limit, e.g. 20m or 1h (each phase also has its own).", valueName: "duration"))
    var timeout: String?

    @Flag(help: "Do not run the test phases after installing.")
    var skipTests = false

    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let timeoutValue: Duration?
      do {
        timeoutValue = try timeout.map { try GoDuration($0).duration }
      } catch {
        throw ValidationError("--timeout \(timeout ?? ""): \(error.userMessage)")
      }
      var options = InstallOptions(
        phaseSet: try phaseOptions.phaseSet(), parameters: try phaseOptions.parameters(), fetcher: try phaseOptions.fetcher(),
        from: from, only: only.flatMap { $0.split(separator: ",").map(String.init) }, dryRun: dryRun, timeout: timeoutValue,
        preflight: try preflightFlags.options(stateNamespace: state.stateNamespace), skipTests: skipTests,
        stateNamespace: state.stateNamespace, command: resumeCommand)
      options.imageLister = dryRun ? PhaseOptions.imageLister : nil
      let client = try cluster.client()
      let printer = ProgressPrinter(format: outputOptions.output)
      let result = try await Installer(client: client).run(options, events: printer.sink)
      if outputOptions.output == .text { InstallSummary.printText(result) }
      if !result.succeeded { throw ExitCode(1) }
    }

    /// The same install again (without --from: the rerun verifies what succeeded and continues).
    var resumeCommand: String {
      var command = "servestack install" + phaseOptions.commandFlags + preflightFlags.commandFlags
      if !only.isEmpty { command += " --only \(only.joined(separator: ","))" }
      if let timeout { command += " --timeout \(timeout)" }
      if skipTests { command += " --skip-tests" }
      return command + state.commandFlags + cluster.commandFlags
    }
  }
}
