import Foundation
import HTTP
import Registry
import ServestackCore
import TestSupport
import Testing

@Suite(
  "Registry TLS and basic auth against docker-registry",
  .enabled(if: TestRegistry.isAvailable, "needs Debian's docker-registry and apache2-utils (htpasswd)"))
struct RegistryAuthTests {
  static let user = "servestack"
  static let password = "correct-horse-\(UUID().uuidString.prefix(6))"

  @Test("TLS with the registry's CA and htpasswd credentials: push, then pull")
  func success() async throws {
    let registry = try await TestRegistry.start(tls: true, user: Self.user, password: Self.password)
    defer { registry.stop() }
    let certificates = try #require(registry.certificates)
    let options = testOptions(
      credentials: .explicit(username: Self.user, password: Secret(Self.password)), plainHTTP: false,
      ca: certificates.caCertificate)
    let client = try RegistryClient(host: registry.host, options: options)
    #expect(client.baseURL == "https://\(registry.host)")
    try await client.ping()
    let source = try TemporaryDirectory()
    let images = try TestImages.make(in: source.url)
    let target = try ImageReference("\(registry.host)/demo/secure:1")
    let pushed = try await client.push(from: images.layout, name: TestImages.multiName, to: target)
    #expect(pushed.manifestsPut == 3)
    let destination = try TemporaryDirectory()
    let pulled = try await client.pull(target, into: try OCILayout.openOrCreate(at: destination.url))
    #expect(pulled.digest == images.index.digest)
    // The registry asked for Basic auth once; the password never reaches its log.
    #expect(!registry.log.contains(Self.password))
  }

  @Test("a wrong password is a clear 'refused' error that does not contain the password")
  func wrongPassword() async throws {
    let registry = try await TestRegistry.start(tls: true, user: Self.user, password: Self.password)
    defer { registry.stop() }
    let certificates = try #require(registry.certificates)
    let wrong = "wrong-\(UUID().uuidString)"
    let client = try RegistryClient(
      host: registry.host,
      options: testOptions(
        credentials: .explicit(username: Self.user, password: Secret(wrong)), plainHTTP: false,
        ca: certificates.caCertificate))
    let error = await #expect(throws: RegistryError.self) {
      try await client.manifest(try ImageReference("\(registry.host)/demo/app:1"))
    }
    #expect(error?.code == .unauthorized)
    #expect(error?.category == .refused)
    #expect(error?.httpStatus == 401)
    #expect(
      error?.message.hasPrefix("registry \(registry.host) refused the credentials for demo/app (UNAUTHORIZED)") == true)
    #expect(error?.message.contains("--registry-user") == true)
    #expect(error.map { String(describing: $0) }?.contains(wrong) == false)
    #expect(error?.message.contains(Self.password) == false)

    // No credentials at all: the same refusal.
    let anonymous = try RegistryClient(
      host: registry.host, options: testOptions(plainHTTP: false, ca: certificates.caCertificate))
    let anonymousError = await #expect(throws: RegistryError.self) { try await anonymous.ping() }
    #expect(anonymousError?.code == .unauthorized)
    // …but it does not speak of refused credentials when none were sent: it says how to give them.
    let said = anonymousError?.message ?? ""
    #expect(!said.contains("refused the credentials"), "\(said)")
    #expect(
      said.contains("needs credentials") && said.contains("--registry-user") && said.contains("docker login"), "\(said)"
    )
  }

  @Test("without the CA the TLS handshake fails with a TLS error")
  func missingCA() async throws {
    let registry = try await TestRegistry.start(tls: true, user: Self.user, password: Self.password)
    defer { registry.stop() }
    let client = try RegistryClient(
      host: registry.host,
      options: testOptions(
        credentials: .explicit(username: Self.user, password: Secret(Self.password)), plainHTTP: false))
    let error = await #expect(throws: RegistryError.self) { try await client.ping() }
    #expect(error?.code == .tls)
    #expect(error?.category == .unreachable)
    #expect(error?.message.contains("--registry-ca") == true)
  }

  @Test("credentials from a Docker config.json")
  func dockerConfig() async throws {
    let registry = try await TestRegistry.start(tls: true, user: Self.user, password: Self.password)
    defer { registry.stop() }
    let certificates = try #require(registry.certificates)
    let directory = try TemporaryDirectory()
    let auth = Data("\(Self.user):\(Self.password)".utf8).base64EncodedString()
    let config = try directory.write("config.json", #"{"auths":{"https://\#(registry.host)":{"auth":"\#(auth)"}}}"#)
    let client = try RegistryClient(
      host: registry.host,
      options: testOptions(credentials: .dockerConfigFile(config), plainHTTP: false, ca: certificates.caCertificate))
    #expect(client.hasCredentials)
    try await client.ping()
    #expect(try await client.manifestDescriptor(repository: "demo/none", reference: "1") == nil)
  }

  @Test("plain HTTP is used only when asked: an https client fails against a plain registry")
  func noSilentFallback() async throws {
    let registry = try await TestRegistry.start()
    defer { registry.stop() }
    let client = try RegistryClient(host: registry.host, options: testOptions(plainHTTP: false))
    let error = await #expect(throws: RegistryError.self) { try await client.ping() }
    #expect(error?.category == .unreachable)
    #expect(registry.requestCount(method: "GET", pathContaining: "/v2/") == 0)
  }

  @Test("nothing listening: an unreachable error naming the registry")
  func unreachable() async throws {
    let port = Loopback.freePort()
    let client = try RegistryClient(host: "127.0.0.1:\(port)", options: testOptions())
    let error = await #expect(throws: RegistryError.self) { try await client.ping() }
    #expect(error?.code == .unreachable)
    #expect(error?.message.contains("127.0.0.1:\(port)") == true)
  }
}
