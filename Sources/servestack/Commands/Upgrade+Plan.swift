import ArgumentParser
import Bundles
import Phases
import ServestackCore

extension Servestack.Upgrade {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "What is installed, and the steps to a newer set or component version with what each changes.",
      discussion: """
        Per step: the versions it moves, a server-side dry run of the phases it changes (objects created, \
        configured, unchanged), the objects the old versions had and the new ones do not (pruned by upgrade \
        apply), the new images and the Kubernetes check. Nothing is changed.
        """)

    @OptionGroup var targetFlags: UpgradeTargetFlags
    @OptionGroup var phaseOptions: PhaseOptions
    @OptionGroup var airgap: AirgapFlags
    @OptionGroup var state: StateOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let (options, bundle) = try await targetFlags.options(
        phaseOptions, state: state, airgap: airgap, text: outputOptions.output == .text)
      defer { bundle?.cleanup() }
      let report = try await Upgrader(client: try cluster.client()).plan(options)
      if outputOptions.output == .json {
        Terminal.line(report.json.serialized(.pretty))
      } else {
        UpgradePrinter.printPlan(
          report, command: "servestack upgrade apply" + targetFlags.commandFlags + airgap.commandFlags)
      }
      if !report.plan.failures.isEmpty { throw ExitCode(1) }
    }
  }
}
