import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// What a user is told when the Kubernetes API's certificate is not signed by the kubeconfig's CA.
@Suite("Kubernetes TLS errors")
struct KubeTLSErrorTests {
  @Test("a wrong CA points at the kubeconfig's certificate-authority, not at a registry flag")
  func wrongCertificateAuthority() async throws {
    let directory = try TemporaryDirectory()
    let serving = try await TestCertificates.makeAsync(in: directory.file("serving"))
    let other = try await TestCertificates.makeAsync(in: directory.file("other"))
    let server = try await HTTPTestServer.start(certificate: serving.serverCertificate, key: serving.serverKey)
    defer { server.stop() }
    let config = """
      apiVersion: v1
      kind: Config
      clusters: [{name: c, cluster: {server: "\(server.base)", certificate-authority: "\(other.caCertificate.path)"}}]
      users: [{name: u, user: {token: not-sent}}]
      contexts: [{name: x, context: {cluster: c, user: u}}]
      current-context: x
      """
    let path = try directory.write("kubeconfig", config).path
    let client = try KubeClient(
      connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
    let error = await #expect(throws: KubeError.self) { _ = try await client.getJSON(path: "/version") }
    let message = error?.message ?? ""
    #expect(message.contains("certificate-authority"), "\(message)")
    #expect(!message.contains("--registry-ca"), "\(message)")
    #expect(error?.category == .unreachable)
  }
}
