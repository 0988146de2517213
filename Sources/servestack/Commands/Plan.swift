import ArgumentParser

extension Servestack {
  struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show what install would do: phases, objects per phase (created/changed/unchanged) and images.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "plan", issue: "issue 4")
    }
  }
}
