import ArgumentParser

extension Servestack {
  struct Versions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the supported version matrix.")

    func run() async throws {
      throw NotBuiltYet(command: "versions", issue: "issue 4")
    }
  }
}
