import ArgumentParser

extension Servestack {
  struct Job: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Render (or apply) the periodic in-cluster conformance CronJob with least-privilege RBAC.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "job", issue: "issue 6")
    }
  }
}
