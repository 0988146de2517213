import ArgumentParser
import Bundles
import Phases
import ServestackCore

extension Servestack.Upgrade {
  struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the upgrade steps: each applied, waited for, recorded; the old versions' leftovers pruned.",
      discussion: """
        Resumable: after a failure or a kill the same command continues at the step that did not finish. \
        Objects another manager applied or labelled are never pruned; CRDs only with --prune-crds. \
        upgrade apply --to PREVIOUS_SET (or servestack rollback) goes back to the versions installed before the \
        last upgrade. A probe InferenceService (servestack-probe/sklearn-iris) is asked during the whole \
        upgrade and the test phases run after it, as after install; --skip-tests skips both, --no-probe the probe.
        """)

    @OptionGroup var targetFlags: UpgradeTargetFlags
    @OptionGroup var phaseOptions: PhaseOptions

    @Flag(help: "Also delete CRDs the new versions no longer have (and every object of their kinds).")
    var pruneCrds = false

    @Option(
      help: ArgumentHelp("Overall time limit per step, e.g. 20m (each phase also has its own).", valueName: "duration"))
    var timeout: String?

    @Flag(help: "Do not ask a probe InferenceService during the upgrade (the test phases still run after it).")
    var noProbe = false

    @OptionGroup var tests: InstallTestFlags
    @OptionGroup var airgap: AirgapFlags
    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      // Every flag is checked, and the cluster found, before a bundle's images are pushed.
      let timeoutValue = try timeout.map { text throws(ValidationError) in try parseDurationFlag("--timeout", text) }
      var testParameters = try tests.run.testParameters()
      let client = try cluster.client()
      let (base, bundle) = try await targetFlags.options(
        phaseOptions, state: state, airgap: airgap, text: outputOptions.output == .text)
      defer { bundle?.cleanup() }
      var options = base
      options.timeout = timeoutValue
      options.pruneCRDs = pruneCrds
      options.command = resumeCommand
      options.otherFlags = otherFlags
      options.skipTests = tests.skipTests
      if let bundle, let registry = airgap.registry {
        testParameters = tests.run.airgapTestParameters(testParameters, registry: registry, bundle: bundle)
      }
      if !tests.skipTests {
        options.testRunner = try tests.runner(client: client, parameters: testParameters, output: outputOptions.output)
        if !noProbe {
          options.probe = try tests.probe(
            client: client, profile: options.parameters.profile, parameters: testParameters)
        }
      }
      let printer = UpgradePrinter(format: outputOptions.output)
      let result = try await Upgrader(client: client).apply(options, events: printer.sink)
      printer.summary(result)
      if !result.succeeded { throw ExitCode(1) }
    }

    /// The flags besides the target and the step limits, for the way back after a failed step.
    var otherFlags: String {
      phaseOptions.commandFlags + tests.commandFlags + airgap.commandFlags + state.commandFlags + cluster.commandFlags
    }

    var resumeCommand: String {
      var command = "servestack upgrade apply" + targetFlags.commandFlags + phaseOptions.commandFlags
      if pruneCrds { command += " --prune-crds" }
      if let timeout { command += " --timeout \(timeout)" }
      if noProbe { command += " --no-probe" }
      return command + tests.commandFlags + airgap.commandFlags + state.commandFlags + cluster.commandFlags
    }
  }
}
