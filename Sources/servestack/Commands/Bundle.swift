import ArgumentParser

extension Servestack {
  struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "bundle",
      abstract: "The airgap bundle lifecycle: create, inspect, verify, push.",
      subcommands: [Create.self, Inspect.self, Verify.self, Push.self])
  }
}

extension Servestack.BundleCommand {
  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Pack manifests, every image and the test models into one tarball.")
    func run() async throws { throw NotBuiltYet(command: "bundle create", issue: "issue 5") }
  }

  struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List a bundle's components, versions, images and sizes without extracting it.")
    func run() async throws { throw NotBuiltYet(command: "bundle inspect", issue: "issue 5") }
  }

  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check every checksum and the signature of a bundle.")
    func run() async throws { throw NotBuiltYet(command: "bundle verify", issue: "issue 5") }
  }

  struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Push a bundle's images to a private registry.")
    func run() async throws { throw NotBuiltYet(command: "bundle push", issue: "issue 5") }
  }
}
