import ArgumentParser
import Phases

extension Servestack {
  /// `servestack rollback`: `upgrade apply --to` the versions the state records as installed before the
  /// last upgrade, with every other flag of upgrade apply.
  struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Go back to the versions installed before the last upgrade (servestack upgrade apply --to PREVIOUS).",
      discussion: """
        Reads the previous set from the install state (configmap servestack-state) and runs upgrade apply to it: \
        one rollback step, refused before anything changes when a CRD stores objects in a version the older \
        set does not serve. Takes upgrade apply's flags (--phases, --mirror, --skip-tests, --no-probe, \
        --prune-crds, --timeout, --kubeconfig, -o json, …) except --to and --component. An unfinished rollback \
        is resumed.
        """)

    @Argument(parsing: .allUnrecognized, help: "upgrade apply's flags (see servestack upgrade apply --help).")
    var flags: [String] = []

    func run() async throws {
      if let named = flags.first(where: { ["--to", "--component"].contains($0.split(separator: "=").first ?? "") }) {
        throw ValidationError("\(named) does not go with rollback: it goes back to the set the state records")
      }
      // Parsed with a placeholder target first, for the cluster and state flags that find the real one.
      var apply = try Upgrade.Apply.parse(["--to", "PREVIOUS"] + flags)
      let state = try await InstallStateStore(client: try apply.cluster.client(), namespace: apply.state.stateNamespace)
        .load()
      guard let record = state.upgrade else {
        throw ValidationError(
          "nothing to roll back: the install state records no upgrade (servestack upgrade apply records the versions before it)"
        )
      }
      let stackPrefix = "stack "
      if record.rollback, !record.finished, record.target.hasPrefix(stackPrefix) {
        apply.targetFlags.to = String(record.target.dropFirst(stackPrefix.count))
      } else {
        apply.targetFlags.to = record.previous.name
      }
      try await apply.run()
    }
  }
}
