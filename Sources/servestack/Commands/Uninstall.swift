import ArgumentParser

extension Servestack {
  struct Uninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Remove what install applied, in reverse order (CRDs only with --delete-crds).")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      throw NotBuiltYet(command: "uninstall", issue: "issue 4")
    }
  }
}
