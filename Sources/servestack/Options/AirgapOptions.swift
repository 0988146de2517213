import ArgumentParser
import Bundles
import Foundation
import Images
import Phases
import Registry
import ServestackCore

/// `install|upgrade apply --bundle FILE --registry HOST[:PORT][/PREFIX]`: from an airgap bundle.
struct AirgapFlags: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Take phases, manifests and images from this airgap bundle (verified, images pushed to --registry, references rewritten).",
      valueName: "file"))
  var bundle: String?

  @Option(
    help: ArgumentHelp(
      "With --bundle: the private registry and an optional repository prefix.", valueName: "host[:port][/prefix]"))
  var registry: String?

  @Option(
    name: .customLong("bundle-key"),
    help: ArgumentHelp("With --bundle: check its signature with this ed25519 public key.", valueName: "file"))
  var bundleKey: String?

  @Option(
    help: ArgumentHelp("With --bundle: where to extract it (default: the system's temporary folder).", valueName: "dir")
  )
  var workDir: String?

  @OptionGroup var access: RegistryAccessOptions

  func validate() throws {
    if bundle != nil && registry == nil {
      throw ValidationError("--bundle needs --registry HOST[:PORT][/PREFIX]: where its images go")
    }
    if bundle == nil && (registry != nil || bundleKey != nil || workDir != nil) {
      throw ValidationError("--registry, --bundle-key and --work-dir belong to --bundle")
    }
  }

  /// The push options for ``AirgapInstaller/prepare(bundle:registry:options:)``.
  /// `registryOptions` come from ``RegistryAccessOptions/registryOptions()`` (it reads the password once).
  func airgapOptions(
    registryOptions: RegistryOptions, parameters: [String: String], progress: BundleProgressHandler?
  ) throws -> AirgapOptions {
    var options = AirgapOptions()
    options.push.registryOptions = registryOptions
    options.push.key = try bundleKey.map { try BundleVerifyingKey(contentsOf: URL(fileURLWithPath: $0)) }
    options.push.workDirectory = workDir.map { URL(fileURLWithPath: $0) }
    options.push.progress = progress
    options.parameters = parameters
    return options
  }

  /// Verifies, extracts and pushes the bundle (``AirgapInstaller/prepare(bundle:registry:options:)``), its
  /// progress on one terminal line when `showProgress`. Call ``PreparedBundle/cleanup()`` when done.
  func prepare(
    registryOptions: RegistryOptions, parameters: [String: String], stack: String?, showProgress: Bool
  ) async throws -> PreparedBundle {
    guard let bundle, let registry else { throw ValidationError("--bundle needs --registry HOST[:PORT][/PREFIX]") }
    let printer = BundleProgressPrinter(enabled: showProgress && Terminal.standardError.isTTY)
    defer { printer.finish() }
    var options = try airgapOptions(registryOptions: registryOptions, parameters: parameters, progress: printer.handler)
    options.stack = stack
    return try await AirgapInstaller.prepare(bundle: URL(fileURLWithPath: bundle), registry: registry, options: options)
  }

  /// Preflight's `registry-reachable` check: `GET /v2/` with the same credentials and CA as the push.
  func registryProbe(_ registryOptions: RegistryOptions) -> PreflightOptions.RegistryProbe {
    { registry in
      do {
        // The host as the push and the rewriter read HOST[:PORT][/PREFIX].
        let host = try ImageRewriter(target: registry).registryHost
        let client = try RegistryClient(host: host, options: registryOptions)
        do {
          try await client.ping()
        } catch {
          return (error.userMessage, client.hasCredentials)
        }
        return (nil, client.hasCredentials)
      } catch {
        return (error.userMessage, false)
      }
    }
  }

  var commandFlags: String {
    guard let bundle, let registry else { return "" }
    var flags = " --bundle \(PhaseOptions.quoted(bundle)) --registry \(PhaseOptions.quoted(registry))"
    if let bundleKey { flags += " --bundle-key \(PhaseOptions.quoted(bundleKey))" }
    if let workDir { flags += " --work-dir \(PhaseOptions.quoted(workDir))" }
    if let user = access.registryUser { flags += " --registry-user \(PhaseOptions.quoted(user)) --password-stdin" }
    if let ca = access.registryCa { flags += " --registry-ca \(PhaseOptions.quoted(ca))" }
    if access.plainHttp { flags += " --plain-http" }
    if access.insecureSkipTlsVerify { flags += " --insecure-skip-tls-verify" }
    return flags
  }
}
