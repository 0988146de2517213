import ArgumentParser

extension Servestack {
  struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the smoke, GPU-inference and autoscaling test phases and write the reports.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "test", issue: "issue 6")
    }
  }
}
