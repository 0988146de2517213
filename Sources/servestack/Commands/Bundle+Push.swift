import ArgumentParser
import Bundles
import Foundation
import Registry
import ServestackCore

extension Servestack.BundleCommand {
  struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Verify a bundle and push its images to a private registry.",
      discussion: """
        Images keep their paths, tags and digests under the registry: docker.io/istio/pilot:1.27.1 becomes \
        HOST[:PORT]/PREFIX/istio/pilot:1.27.1. Blobs the registry has are skipped, shared blobs are mounted \
        across repositories, and a second push of the same bundle uploads nothing. An uncompressed bundle is \
        pushed straight from the tarball: its files and manifests are checked first, and every blob uploaded \
        is hashed while it is sent (blobs the registry has are not read; `bundle verify` reads every byte). \
        Example:
          servestack bundle push kserve.tar --registry 10.61.3.31:35000/kserve --registry-ca ca.pem
        """)

    @Argument(help: ArgumentHelp("The bundle file.", valueName: "file"))
    var file: String

    @Option(
      help: ArgumentHelp("The private registry and an optional repository prefix.", valueName: "host[:port][/prefix]"))
    var registry: String

    @OptionGroup var access: RegistryAccessOptions

    @Option(
      help: ArgumentHelp(
        "Check the signature with this ed25519 public key; unsigned bundles are then refused.", valueName: "file"))
    var key: String?

    @Option(help: "Blob uploads at once.")
    var parallel = 8

    @Option(
      help: ArgumentHelp(
        "Where to extract a compressed bundle (default: the system's temporary folder); an uncompressed one is pushed in place.",
        valueName: "dir"))
    var workDir: String?

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      var options = BundlePushOptions(registry: registry)
      options.registryOptions = try access.registryOptions()
      options.key = try key.map { try BundleVerifyingKey(contentsOf: URL(fileURLWithPath: $0)) }
      options.parallel = parallel
      options.workDirectory = workDir.map { URL(fileURLWithPath: $0) }
      let printer = BundleProgressPrinter()
      options.progress = printer.handler
      let start = Date()
      let outcome: BundlePushOutcome
      do {
        outcome = try await BundlePusher.push(bundle: URL(fileURLWithPath: file), options: options)
      } catch {
        printer.finish()
        throw error
      }
      printer.finish()
      let push = outcome.push
      switch outputOptions.output {
      case .json:
        let object = push.json(
          registry: registry, signature: outcome.verification.signature.rawValue,
          seconds: Date().timeIntervalSince(start))
        print(object.serialized(.pretty))
      case .text:
        for warning in outcome.verification.warnings { Terminal.standardError.write("warning: \(warning)\n") }
        for image in push.images {
          let what =
            image.alreadyThere
            ? "already there"
            : "\(image.blobsUploaded) uploaded, \(image.blobsMounted) mounted, \(image.blobsPresent) present"
          print("\(image.target) (\(what))")
        }
        print(
          "pushed \(push.images.count) images to \(registry): \(push.blobsUploaded) blobs uploaded (\(formatBytes(push.bytesUploaded))), "
            + "\(push.blobsMounted) mounted, \(push.blobsPresent) present, in \(formatSeconds(Date().timeIntervalSince(start)))"
        )
      }
    }
  }
}
