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
        upgrade apply --to PREVIOUS_SET goes back to the versions installed before the last upgrade.
        """)

    @OptionGroup var targetFlags: UpgradeTargetFlags
    @OptionGroup var phaseOptions: PhaseOptions

    @Flag(help: "Also delete CRDs the new versions no longer have (and every object of their kinds).")
    var pruneCrds = false

    @Option(
      help: ArgumentHelp("Overall time limit per step, e.g. 20m (each phase also has its own).", valueName: "duration"))
    var timeout: String?

    @OptionGroup var airgap: AirgapFlags
    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let bundle = try await prepareBundle()
      defer { bundle?.cleanup() }
      var options = try targetFlags.options(
        phaseOptions, state: state,
        target: try bundle.map { UpgradeTarget.stack(try $0.upgradeTarget(to: targetFlags.to)) })
      if let bundle { options = try bundle.upgradeOptions(options) }
      do {
        options.timeout = try timeout.map { try GoDuration($0).duration }
      } catch {
        throw ValidationError("--timeout \(timeout ?? ""): \(error.userMessage)")
      }
      options.pruneCRDs = pruneCrds
      options.command = resumeCommand
      let printer = UpgradePrinter(format: outputOptions.output)
      let result = try await Upgrader(client: try cluster.client()).apply(options, events: printer.sink)
      printer.summary(result)
      if !result.succeeded { throw ExitCode(1) }
    }

    /// With --bundle: the bundle verified, extracted and its images pushed (nil without it).
    func prepareBundle() async throws -> PreparedBundle? {
      guard let bundle = airgap.bundle else { return nil }
      guard targetFlags.component == nil else {
        throw ValidationError("--component does not go with --bundle: the bundle names the set to move to")
      }
      let prepared = try await airgap.prepare(
        registryOptions: try airgap.access.registryOptions(), parameters: try phaseOptions.overrides(), stack: nil,
        showProgress: outputOptions.output == .text)
      if outputOptions.output == .text { Terminal.line("bundle \(bundle): \(prepared.summary)") }
      return prepared
    }

    var resumeCommand: String {
      var command = "servestack upgrade apply" + targetFlags.commandFlags + phaseOptions.commandFlags
      if pruneCrds { command += " --prune-crds" }
      if let timeout { command += " --timeout \(timeout)" }
      return command + airgap.commandFlags + state.commandFlags + cluster.commandFlags
    }
  }
}
