import Bundles
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite(
  "servestack bundle (CLI)", .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct BundleCommandTests {
  let binary = TestEnvironment.servestackBinary?.path ?? "servestack"

  @Test("keygen sign verify inspect and tamper") func keygenSignVerifyInspectAndTamper() async throws {
    let directory = try TemporaryDirectory(prefix: "servestack-bundle-cli")
    let keygen = try await Shell.runAsync(
      binary,
      ["bundle", "keygen", "--private", directory.file("key.pem").path, "--public", directory.file("key.pub").path])
    #expect(keygen.status == 0, "\(keygen.stderr)")
    let mode =
      try FileManager.default.attributesOfItem(atPath: directory.file("key.pem").path)[.posixPermissions] as? NSNumber
    #expect(mode?.intValue == 0o600)
    #expect(!keygen.stdout.contains("PRIVATE KEY"), "the private key is never printed")
    #expect(
      try await Shell.runAsync(
        binary,
        ["bundle", "keygen", "--private", directory.file("key.pem").path, "--public", directory.file("x.pub").path]
      ).status == 2)

    let bundle = try await SmallBundle(signingKey: try BundleSigningKey(contentsOf: directory.file("key.pem")))
    let verified = try await Shell.runAsync(
      binary, ["bundle", "verify", bundle.url.path, "--key", directory.file("key.pub").path])
    #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    #expect(verified.stdout.contains("signature valid"))
    let unchecked = try await Shell.runAsync(binary, ["bundle", "verify", bundle.url.path])
    #expect(unchecked.status == 0 && unchecked.stderr.contains("not checked"))

    let inspect = try await Shell.runAsync(binary, ["bundle", "inspect", bundle.url.path, "-o", "json"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let json = try JSONValue(parsing: inspect.stdout)
    #expect(json["name"] == "small")
    #expect(json["profile"] == "raw")
    #expect(json["images"]?[0]?["name"] == "servestack.local/models/iris:2")
    #expect(json[path: ["archive", "compression"]] == "none")
    let text = try await Shell.runAsync(binary, ["bundle", "inspect", bundle.url.path])
    #expect(text.stdout.contains("demo v1") && text.stdout.contains("models:"))

    let tampered = try bundle.copy("tampered.tar")
    var bytes = Array(try Data(contentsOf: tampered))
    let marker = Array("MODELDATA-".utf8)
    let offset = try #require(bytes.indices.first { bytes[$0...].starts(with: marker) })
    bytes[offset] ^= 0x01
    try Data(bytes).write(to: tampered)
    let failed = try await Shell.runAsync(binary, ["bundle", "verify", tampered.path, "-o", "json"])
    // A corrupt bundle is bad input: 2 from verify, push (and install --bundle) alike.
    #expect(failed.status == 2)
    let report = try JSONValue(parsing: failed.stdout)
    #expect(report["valid"] == false)
    #expect(
      report["problems"]?.arrayValue?.contains { $0["kind"] == "mismatch" && $0["path"] == "models/iris/model.joblib" }
        == true)
    let refused = try await Shell.runAsync(
      binary, ["bundle", "push", tampered.path, "--registry", "127.0.0.1:1/site", "--plain-http"])
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("failed verification"))
    // A truncated bundle: inspect, verify and push agree on 2.
    let truncated = try bundle.copy("truncated.tar")
    let whole = try Data(contentsOf: truncated)
    // Cut inside bundle.yaml, the first member: even inspect, which stops before the layers, reads that far.
    try whole.prefix(700).write(to: truncated)
    for command in [["bundle", "inspect"], ["bundle", "verify"], ["bundle", "push"]] {
      let extra = command[1] == "push" ? ["--registry", "127.0.0.1:1/site", "--plain-http"] : []
      let result = try await Shell.runAsync(binary, command + [truncated.path] + extra)
      #expect(result.status == 2, "\(command): \(result.stdout)\(result.stderr)")
    }
    let usage = try await Shell.runAsync(
      binary, ["bundle", "push", bundle.url.path, "--registry", "r", "--registry-user", "u"])
    #expect(usage.status == 2, "the password comes from stdin only")
  }

  @Test(
    "push with password on stdin to an authenticated TLS registry",
    .enabled(if: TestRegistry.isAvailable, "needs docker-registry"))
  func pushWithPasswordOnStdinToAnAuthenticatedTLSRegistry() async throws {
    let registry = try TestRegistry(tls: true, user: "pusher", password: "s3cret-pass")
    let bundle = try await SmallBundle()
    let ca = try #require(registry.certificates?.caCertificate.path)
    let args = [
      "bundle", "push", bundle.url.path, "--registry", "\(registry.host)/site", "--registry-ca", ca, "--registry-user",
      "pusher", "--password-stdin",
    ]
    let environment = ["DOCKER_CONFIG": bundle.directory.path, "HTTPS_PROXY": "", "https_proxy": ""]
    let pushed = try await Shell.runAsync(
      binary, args + ["-o", "json"], environment: environment, input: "s3cret-pass\n")
    #expect(pushed.status == 0, "\(pushed.stderr)")
    #expect(!pushed.stdout.contains("s3cret") && !pushed.stderr.contains("s3cret"))
    let json = try JSONValue(parsing: pushed.stdout)
    #expect(json["images"]?[0]?["target"] == .string("\(registry.host)/site/models/iris:2"))
    #expect(json["blobsUploaded"] == 2)
    let again = try await Shell.runAsync(binary, args, environment: environment, input: "s3cret-pass\n")
    #expect(again.status == 0 && again.stdout.contains("already there"), "\(again.stdout)\(again.stderr)")
    let wrong = try await Shell.runAsync(binary, args, environment: environment, input: "nope\n")
    #expect(wrong.status == 3, "refused by the registry: \(wrong.stderr)")
    let noCA = try await Shell.runAsync(binary, Array(args.prefix(5)), environment: environment)
    #expect(noCA.status == 3, "TLS without the CA fails: \(noCA.stderr)")
  }
}
