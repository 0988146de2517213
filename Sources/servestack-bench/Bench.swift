import ArgumentParser

/// Re-runnable benchmarks; each prints its figures and the comparison it was asked for.
/// Run them in release mode: `swift run -c release servestack-bench <name>`.
@main
struct Bench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "servestack-bench",
    abstract: "Benchmarks of servestack's layers, side by side with the tools they replace.",
    subcommands: [
      YAMLBench.self, HTTPBench.self, StreamMemoryCheck.self, ArchiveBench.self, KubeApplyBench.self, BundleBench.self,
    ])
}
