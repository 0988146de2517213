import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Preflight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the preflight checks for a profile: pass, warn or fail, each with the reason and the fix.",
      discussion: "Exits 1 when a check fails (after --ignore-preflight-errors), 3 when the cluster cannot be reached.")

    @OptionGroup var phaseOptions: PhaseOptions
    @OptionGroup var preflightFlags: PreflightFlags
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let profile = try phaseOptions.parsedProfile()
      let parameters = try phaseOptions.parameters()
      let options = try preflightFlags.options()
      let client = try cluster.client()
      let choice = try await phaseOptions.stackChoice(client: client)
      let set = choice.phaseSet
      let selection = set.selection(profile: profile)
      let (rendered, note) = await PreflightRunner.renderAtHand(
        selection, parameters: parameters, mirror: phaseOptions.mirror,
        cacheDirectory: phaseOptions.cache.map { URL(fileURLWithPath: $0) })
      var report = await PreflightRunner(client: client).run(
        selection: selection, profile: profile, rendered: rendered, options: options, note: note)
      report.stack = choice
      switch outputOptions.output {
      case .json: Terminal.line(report.json.serialized(.pretty))
      case .text: PreflightPrinter.printText(report)
      }
      if let reachable = report["cluster-reachable"], reachable.status == .fail { throw ExitCode(3) }
      if report.failed { throw ExitCode(1) }
    }
  }
}
