import ArgumentParser

extension Servestack {
  struct Preflight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the preflight checks for a profile: pass, warn or fail, each with the reason and the fix.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "preflight", issue: "issue 4")
    }
  }
}
