import Foundation
import TestSupport
import Testing

/// `upgrade apply`'s flags, checked through the binary before anything is pushed or asked of a cluster.
@Suite("upgrade apply and install: test flags and bundle flags checked up front")
struct UpgradeFlagTests {
  /// A kubeconfig that loads but whose server nothing answers: these runs must stop before asking it.
  static func kubeconfig(_ directory: URL) throws -> String {
    let file = directory.appendingPathComponent("kubeconfig")
    try """
    apiVersion: v1
    kind: Config
    clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
    users: [{name: u, user: {token: not-a-real-token}}]
    contexts: [{name: x, context: {cluster: c, user: u}}]
    current-context: x
    """.write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }

  @Test(
    "install and upgrade apply take the test flags of servestack test (--dcgm-url, --model-registry, --gpu-model) and check them first",
    arguments: [
      ["install"], ["upgrade", "apply", "--to", "kserve-0.16"],
    ])
  func testFlags(_ command: [String]) async throws {
    let directory = try TemporaryDirectory(prefix: "sstest-upgrade-flags")
    defer { directory.remove() }
    let run = try await EngineTests.servestack(
      command + [
        "--dcgm-url", "http://127.0.0.1:9400/metrics", "--model-registry", "127.0.0.1:5000/site", "--gpu-model",
        "resnet",
      ], kubeconfig: try Self.kubeconfig(directory.url))
    #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
    #expect(run.stderr.contains("unknown GPU model 'resnet'"), "\(run.stderr)")
  }

  @Test("upgrade apply --bundle refuses --phases, --extra-phases, --mirror and --stack before the bundle is opened")
  func bundleFlags() async throws {
    let directory = try TemporaryDirectory(prefix: "sstest-upgrade-flags")
    defer { directory.remove() }
    let kubeconfig = try Self.kubeconfig(directory.url)
    let bundle = ["upgrade", "apply", "--bundle", directory.file("absent.tar").path, "--registry", "127.0.0.1:1/site"]
    for extra in [["--phases", directory.url.path], ["--mirror", "http://127.0.0.1:1"]] {
      let run = try await EngineTests.servestack(bundle + extra, kubeconfig: kubeconfig)
      #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
      #expect(
        run.stderr.contains("--phases, --extra-phases and --mirror do not go with --bundle"), "\(extra): \(run.stderr)")
    }
    let stack = try await EngineTests.servestack(bundle + ["--stack", "kserve-0.16"], kubeconfig: kubeconfig)
    #expect(stack.status == 2 && stack.stderr.contains("--stack does not go with upgrade"), "\(stack.stderr)")
  }
}
