import ArgumentParser
import Bundles
import Foundation
import ServestackCore

extension Servestack.BundleCommand {
  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check every checksum, every blob digest and the signature of a bundle, writing nothing.",
      discussion: """
        Exits 2 (bad input, as inspect, push and install --bundle do for the same bundle) listing every \
        missing, extra or changed file, bad blob, unsafe entry or phase path, or bad signature.
        """)

    @Argument(help: ArgumentHelp("The bundle file.", valueName: "file"))
    var file: String

    @Option(
      help: ArgumentHelp(
        "Check the signature with this ed25519 public key (PEM or base64 raw); unsigned bundles then fail.",
        valueName: "file"))
    var key: String?

    @Flag(help: "Fail when the bundle is not signed with a valid signature.")
    var requireSignature = false

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      guard FileManager.default.isReadableFile(atPath: file) else {
        throw ValidationError("\(file): no such file, or it cannot be read")
      }
      let publicKey = try key.map { try BundleVerifyingKey(contentsOf: URL(fileURLWithPath: $0)) }
      let printer = BundleProgressPrinter()
      let result = try await BundleVerifier.verify(
        URL(fileURLWithPath: file), key: publicKey, requireSignature: requireSignature, progress: printer.handler)
      printer.finish()
      switch outputOptions.output {
      case .json:
        let object: JSONValue = [
          "valid": .bool(result.isValid), "signature": .string(result.signature.rawValue), "files": .int(result.files),
          "bytes": .int(Int(result.bytes)),
          "problems": .array(
            result.problems.map { problem in
              [
                "kind": .string(problem.kind.rawValue), "path": problem.path.map { .string($0) } ?? .null,
                "message": .string(problem.message),
              ]
            }),
          "warnings": .array(result.warnings.map { .string($0) }),
          "stackSets": .array(result.stackSets.map { .string($0) }),
        ]
        print(object.serialized(.pretty))
      case .text:
        for warning in result.warnings { Terminal.standardError.write("warning: \(warning)\n") }
        if result.isValid {
          print(
            "ok: \(result.files) files, \(formatBytes(result.bytes)) checked; signature \(result.signature.rawValue)"
              + (result.stackSets.isEmpty
                ? "" : "; stack sets \(result.stackSets.joined(separator: " → ")) defined in stacks/"))
        } else {
          print("FAILED: \(result.problems.count) problem(s)")
          for problem in result.problems { print("  \(problem)") }
        }
      }
      if !result.isValid { throw ExitCode(2) }
    }
  }
}
