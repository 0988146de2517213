import ArgumentParser
import Foundation
import Kubernetes
import Phases
import ServestackCore

extension Servestack {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Show what install would do: per phase, objects created/changed/unchanged (server-side dry run) and images.",
      discussion: "With --offline no cluster is needed: the phases, objects and images come from the manifests alone.")

    @OptionGroup var phaseOptions: PhaseOptions

    @Flag(help: "Plan without a cluster, from the manifests alone.")
    var offline = false

    @Option(help: ArgumentHelp("Plan from this phase on.", valueName: "phase"))
    var from: String?

    @Option(help: ArgumentHelp("Plan only these phases (comma separated or repeated).", valueName: "phase"))
    var only: [String] = []

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let parameters = try phaseOptions.parameters()
      // Offline plans use --stack or the newest set; a cluster's plan takes the set install would choose.
      let choice = offline ? nil : try await phaseOptions.stackChoice(client: try cluster.client())
      let set = try choice?.phaseSet ?? phaseOptions.phaseSet()
      let onlyNames = only.flatMap { $0.split(separator: ",").map(String.init) }
      if offline {
        let phases = try set.selection(profile: parameters.profile, from: from, only: onlyNames)
        let plan = try await PhasePlanner.offlinePlan(
          phases, parameters: parameters, fetcher: try phaseOptions.fetcher(), images: PhaseOptions.imageLister)
        switch outputOptions.output {
        case .json: Terminal.line(plan.json.serialized(.pretty))
        case .text: printOffline(plan)
        }
        for warning in plan.warnings { Terminal.standardError.write("warning: \(warning)\n") }
        return
      }
      var options = InstallOptions(
        phaseSet: set, parameters: parameters, fetcher: try phaseOptions.fetcher(), from: from, only: onlyNames,
        dryRun: true,
        preflight: nil)
      options.imageLister = PhaseOptions.imageLister
      if let choice, outputOptions.output == .text { Terminal.line(choice.summary) }
      let printer = ProgressPrinter(format: outputOptions.output, verbs: [.planned: "planned"])
      let result = try await Installer(client: try cluster.client()).run(options, events: printer.sink)
      if outputOptions.output == .text {
        for phase in result.phases {
          let changed = phase.objectOutcomes.filter(\.changes)
          for item in changed.prefix(40) { Terminal.line("  \(phase.name): \(item.outcome.label) \(item.object)") }
          if changed.count > 40 { Terminal.line("  \(phase.name): … \(changed.count - 40) more") }
          if !phase.images.isEmpty { Terminal.line("  \(phase.name): \(phase.images.count) image(s)") }
        }
        Terminal.line(result.headline)
      }
      if !result.succeeded { throw ExitCode(1) }
    }

    func printOffline(_ plan: OfflinePlan) {
      Terminal.line("offline plan for profile \(plan.profile) (no cluster consulted)")
      for phase in plan.phases {
        var line = "\(phase.name)  \(phase.kind)"
        if let component = phase.component { line += "  \(component.name) \(component.version)" }
        if phase.kind == .install {
          line +=
            "  \(phase.objectCount) objects, \(phase.crds.count) CRDs, \(phase.webhooks.count) webhooks, \(phase.images.count) images"
        }
        Terminal.line(line)
        if phase.kind == .install {
          let kinds = phase.objectsByKind.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
          if !kinds.isEmpty { Terminal.line("    objects: \(kinds)") }
          if !phase.namespaces.isEmpty { Terminal.line("    namespaces: \(phase.namespaces.joined(separator: ", "))") }
          for image in phase.images { Terminal.line("    image: \(image)") }
        }
      }
    }
  }
}
