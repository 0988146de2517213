import ArgumentParser

extension Servestack {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Installed components and versions, phase states, health of every workload and webhook.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "status", issue: "issue 4")
    }
  }
}
