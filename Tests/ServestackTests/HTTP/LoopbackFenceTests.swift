import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// Tests must reach only this machine: the harness fences the test process and the binaries it starts to
/// loopback addresses, and the fake apiserver reports loopback node addresses.
@Suite("loopback fence")
struct LoopbackFenceTests {
  // 0.0.0.0 as a destination reaches this machine's 127.0.0.1 listeners on Linux, so the unfenced request
  // would succeed without anything leaving the machine; the fence must refuse it as not loopback.
  @Test("an HTTP request of the test process to a non-loopback address is refused before it connects")
  func testProcessIsFenced() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient { $0.retry = .none }
    #expect(try await client.get(server.url("/echo")).status == 200, "loopback still works")
    let error = await #expect(throws: HTTPError.self) { _ = try await client.get("http://0.0.0.0:\(server.port)/echo") }
    #expect(error?.message.contains("refused to connect to 0.0.0.0") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains(LoopbackFence.environmentVariable) == true)
  }

  @Test("the servestack binary the harness starts is fenced too")
  func binaryIsFenced() async throws {
    guard TestEnvironment.servestackBinary != nil else { throw TestSetupError("the servestack binary is not built") }
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let directory = try TemporaryDirectory()
    let kubeconfig = try directory.write(
      "kubeconfig",
      """
      apiVersion: v1
      kind: Config
      clusters: [{name: c, cluster: {server: "http://0.0.0.0:\(server.port)"}}]
      users: [{name: u, user: {token: t}}]
      contexts: [{name: x, context: {cluster: c, user: u}}]
      current-context: x
      """)
    let result = try await EngineTests.servestack(["preflight"], kubeconfig: kubeconfig.path)
    #expect(result.status != 0)
    #expect(
      (result.stdout + result.stderr).contains("refused to connect to 0.0.0.0"), "\(result.stdout)\(result.stderr)")
  }

  @Test("the fake apiserver's nodes have loopback addresses")
  func fakeNodesAreLoopback() async throws {
    let backend = try await KubeTestBackend.get(.fake)
    let client = try backend.client()
    let nodes = try await client.list(GroupVersionKind.node, namespace: nil).items
    #expect(!nodes.isEmpty)
    for node in nodes {
      for address in node[path: "status", "addresses"]?.arrayValue ?? []
      where address["type"]?.stringValue != "Hostname" {
        let ip = address["address"]?.stringValue ?? ""
        #expect(ip.hasPrefix("127."), "node \(node.name) has \(address["type"]?.stringValue ?? "") \(ip)")
      }
    }
  }
}
