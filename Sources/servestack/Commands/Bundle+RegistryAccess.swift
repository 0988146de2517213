import ArgumentParser
import Foundation
import HTTP
import Registry
import ServestackCore

/// How to reach the private registry: `bundle push`, and `install --bundle` later.
struct RegistryAccessOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "User name for the private registry; the password is read from standard input (--password-stdin).",
      valueName: "user"))
  var registryUser: String?

  @Flag(help: "Read the registry password from standard input (with --registry-user).")
  var passwordStdin = false

  @Option(help: ArgumentHelp("A PEM file of the CA that signed the registry's certificate.", valueName: "file"))
  var registryCa: String?

  @Flag(help: "Talk plain HTTP to the registry (never chosen automatically).")
  var plainHttp = false

  @Flag(help: "Do not verify the registry's TLS certificate (prefer --registry-ca).")
  var insecureSkipTlsVerify = false

  func validate() throws {
    if passwordStdin && registryUser == nil { throw ValidationError("--password-stdin needs --registry-user") }
    if registryUser != nil && !passwordStdin {
      throw ValidationError(
        "--registry-user needs --password-stdin: the password is read from standard input, never from a flag")
    }
    if plainHttp && (registryCa != nil || insecureSkipTlsVerify) {
      throw ValidationError("--plain-http does not use TLS: drop --registry-ca / --insecure-skip-tls-verify")
    }
  }

  /// Registry options from the flags; credentials from ~/.docker/config.json unless a user is given.
  func registryOptions() throws -> RegistryOptions {
    var options = RegistryOptions(plainHTTP: plainHttp)
    if let user = registryUser {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      var password = String(decoding: data, as: UTF8.self)
      while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
      guard !password.isEmpty else { throw ValidationError("--password-stdin: standard input was empty") }
      options.credentials = .explicit(username: user, password: Secret(password))
    }
    if let ca = registryCa {
      guard FileManager.default.isReadableFile(atPath: ca) else {
        throw ValidationError("--registry-ca \(ca): cannot read the file")
      }
      options.caCertificate = .file(ca)
    }
    options.insecureSkipTLSVerify = insecureSkipTlsVerify
    return options
  }
}
