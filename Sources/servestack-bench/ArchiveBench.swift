import ArgumentParser

struct ArchiveBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "archive", abstract: "Not written yet.")
  func run() async throws { throw ValidationError("the archive benchmark is not written yet") }
}
