import ArgumentParser

extension Servestack {
  struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Preflight, then the install phases in order, then the test phases; resumable.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "install", issue: "issue 4")
    }
  }
}
