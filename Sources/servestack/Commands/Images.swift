import ArgumentParser

extension Servestack {
  struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "images",
      abstract: "List the images of a profile, extract images from manifest files, check image lists for drift.")

    func run() async throws {
      throw NotBuiltYet(command: "images", issue: "issue 5")
    }
  }
}
