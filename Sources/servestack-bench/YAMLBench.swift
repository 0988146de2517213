import ArgumentParser

struct YAMLBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "yaml", abstract: "Not written yet.")
  func run() async throws { throw ValidationError("the yaml benchmark is not written yet") }
}
