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
      // Permissions and webhooks are checked against the objects when the manifests are at hand (local
      // files, the cache, or the --mirror); preflight never waits on the internet.
      var fetcherOptions = ManifestFetcher.Options(mirror: phaseOptions.mirror, offline: phaseOptions.mirror == nil)
      if let cache = phaseOptions.cache { fetcherOptions.cacheDirectory = URL(fileURLWithPath: cache) }
      var rendered: [RenderedPhase]?
      var note: String?
      do {
        rendered = try await PhaseRenderer(fetcher: ManifestFetcher(options: fetcherOptions), parameters: parameters)
          .render(selection.filter { $0.kind == .install })
      } catch {
        note =
          "manifests not at hand (\(error.code)): permissions and webhooks were checked by kind, not per object; `servestack plan` fetches them"
      }
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
