import ArgumentParser
import Bundles
import Conformance
import Foundation
import Kubernetes
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

    @Option(
      help: ArgumentHelp("Start at this phase: it and the phases after it are applied again.", valueName: "phase"))
    var from: String?

    @Option(
      help: ArgumentHelp("Run only these phases (comma separated or repeated), applied again.", valueName: "phase"))
    var only: [String] = []

    @Flag(help: "Server-side dry run of every phase: nothing is stored, no state is written.")
    var dryRun = false

    @Option(
      help: ArgumentHelp("Overall time limit, e.g. 20m or 1h (each phase also has its own).", valueName: "duration"))
    var timeout: String?

    @OptionGroup var tests: InstallTestFlags
    @OptionGroup var airgap: AirgapFlags
    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let timeoutValue = try timeout.map { text throws(ValidationError) in try parseDurationFlag("--timeout", text) }
      var testParameters = try tests.run.testParameters()
      let client = try cluster.client()
      var preflight = try preflightFlags.options(stateNamespace: state.stateNamespace)
      let choice: StackChoice? = airgap.bundle == nil ? try await phaseOptions.stackChoice(client: client) : nil
      let source: (phaseSet: PhaseSet, parameters: PhaseParameters, fetcher: ManifestFetcher)
      var rewrite: InstallOptions.ObjectRewriter?
      var prepared: PreparedBundle?
      defer { prepared?.cleanup() }
      if let bundle = airgap.bundle, let registry = airgap.registry {
        guard !dryRun else {
          throw ValidationError(
            "--dry-run does not go with --bundle: preparing a bundle pushes its images; look inside with servestack bundle inspect \(bundle)"
          )
        }
        let registryOptions = try airgap.access.registryOptions()
        preflight.registry = registry
        preflight.registryProbe = airgap.registryProbe(registryOptions)
        let ready = try await airgap.prepare(
          registryOptions: registryOptions, parameters: try phaseOptions.overrides(), stack: phaseOptions.stack,
          showProgress: outputOptions.output == .text)
        prepared = ready
        source = (ready.phaseSet, ready.parameters, try ready.fetcher())
        rewrite = ready.objectRewriter
        testParameters = tests.run.airgapTestParameters(testParameters, registry: registry, bundle: ready)
        if outputOptions.output == .text { Terminal.line("bundle \(bundle): \(ready.summary)") }
      } else {
        source = (
          try choice?.phaseSet ?? phaseOptions.phaseSet(), try phaseOptions.parameters(), try phaseOptions.fetcher()
        )
      }
      var options = InstallOptions(
        phaseSet: source.phaseSet, parameters: source.parameters, fetcher: source.fetcher,
        from: from, only: only.flatMap { $0.split(separator: ",").map(String.init) }, dryRun: dryRun,
        timeout: timeoutValue,
        preflight: preflight, skipTests: tests.skipTests, rewrite: rewrite,
        stateNamespace: state.stateNamespace, command: resumeCommand)
      options.imageLister = dryRun ? PhaseOptions.imageLister : nil
      options.stackChoice = choice
      if !tests.skipTests && !dryRun {
        options.testRunner = try tests.runner(client: client, parameters: testParameters, output: outputOptions.output)
      }
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
      return command + tests.commandFlags + airgap.commandFlags + state.commandFlags + cluster.commandFlags
    }
  }
}
