import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

/// A token service for tests: `Resources/Registry/token_server.py`, with its own RSA signing key.
final class TestTokenServer: Sendable {
  let port: Int
  let directory: TemporaryDirectory
  let process: ChildProcess
  let auth: TestRegistry.TokenAuth

  init(user: String, password: String) throws {
    directory = try TemporaryDirectory(prefix: "servestack-token")
    port = Loopback.freePort()
    let d = directory.path
    try Shell.check(
      "openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/signer.key", "-out", "\(d)/signer.crt",
        "-days", "1", "-subj", "/CN=servestack-token-signer",
      ])
    try Shell.check("openssl", ["x509", "-in", "\(d)/signer.crt", "-outform", "der", "-out", "\(d)/signer.der"])
    let resources = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
    let script = resources.appendingPathComponent("Registry/token_server.py")
    process = try ChildProcess(
      "/usr/bin/python3",
      [
        script.path, String(port), "\(d)/signer.key", "\(d)/signer.der", "servestack-test-issuer", user, password,
        "\(d)/requests.log",
      ], logFile: directory.file("server.log"))
    try Loopback.waitForPort(port, process: process)
    auth = TestRegistry.TokenAuth(
      realm: "http://127.0.0.1:\(port)/token", service: "servestack-test-registry", issuer: "servestack-test-issuer",
      rootCertificateBundle: directory.file("signer.crt"))
  }

  /// The token requests so far: their scopes and results.
  var requests: [JSONValue] {
    let text = (try? String(contentsOf: directory.file("requests.log"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
  }

  func stop() { process.stop() }
  deinit { process.stop(grace: 2) }
}

@Suite(
  "Registry token auth (Bearer) against docker-registry",
  .enabled(if: TestRegistry.isAvailable && TestEnvironment.which("python3") != nil, "needs docker-registry and python3")
)
struct RegistryTokenAuthTests {
  static let user = "robot"
  static let password = "token-pass-\(UUID().uuidString.prefix(6))"

  @Test("the Bearer dance: tokens per scope, cached, with a cross-repository mount scope")
  func bearer() async throws {
    let tokens = try await TestBlocking.run { try TestTokenServer(user: Self.user, password: Self.password) }
    defer { tokens.stop() }
    let registry = try await TestRegistry.start(token: tokens.auth)
    defer { registry.stop() }
    let client = try RegistryClient(
      host: registry.host,
      options: testOptions(credentials: .explicit(username: Self.user, password: Secret(Self.password))))
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    _ = try await client.push(
      from: images.layout, name: TestImages.multiName, to: try ImageReference("\(registry.host)/demo/app:1"))
    let afterFirst = tokens.requests.count
    // One token for pushing to demo/app serves every blob and manifest request of that push.
    #expect(afterFirst >= 1 && afterFirst <= 2, "\(tokens.requests)")
    #expect(tokens.requests.allSatisfy { $0["account"] == .string(Self.user) })

    let second = try await client.push(
      from: images.layout, name: TestImages.singleName, to: try ImageReference("\(registry.host)/demo/tool:1"))
    #expect(second.blobsMounted == 1)
    let scopes = tokens.requests.compactMap { $0["scopes"]?.arrayValue?.compactMap(\.stringValue) }
    #expect(scopes.contains(["repository:demo/tool:pull,push", "repository:demo/app:pull"]), "\(scopes)")

    // Cached: reading back what we pushed to demo/app needs a pull token once, then no more.
    _ = try await client.manifest(try ImageReference("\(registry.host)/demo/app:1"))
    let count = tokens.requests.count
    _ = try await client.manifest(try ImageReference("\(registry.host)/demo/app:1"))
    _ = try await client.tags(repository: "demo/app")
    #expect(tokens.requests.count == count)
    #expect(!registry.log.contains(Self.password))
  }

  @Test("the token service refuses a wrong password: 'refused', without the password")
  func wrongPassword() async throws {
    let tokens = try await TestBlocking.run { try TestTokenServer(user: Self.user, password: Self.password) }
    defer { tokens.stop() }
    let registry = try await TestRegistry.start(token: tokens.auth)
    defer { registry.stop() }
    let wrong = "nope-\(UUID().uuidString)"
    let client = try RegistryClient(
      host: registry.host, options: testOptions(credentials: .explicit(username: Self.user, password: Secret(wrong))))
    let error = await #expect(throws: RegistryError.self) {
      try await client.manifest(try ImageReference("\(registry.host)/demo/app:1"))
    }
    #expect(error?.code == .unauthorized)
    #expect(error?.category == .refused)
    #expect(error?.message.contains("refused the credentials for demo/app") == true)
    #expect(error.map { String(describing: $0) }?.contains(wrong) == false)

    // Anonymous: a token without access, then the registry's own 401.
    let anonymous = try RegistryClient(host: registry.host, options: testOptions())
    let anonymousError = await #expect(throws: RegistryError.self) {
      try await anonymous.manifest(try ImageReference("\(registry.host)/demo/app:1"))
    }
    #expect(anonymousError?.code == .unauthorized)
  }
}
