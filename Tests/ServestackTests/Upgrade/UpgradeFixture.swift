import HTTP
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// Where every upgrade test starts: the fake modern apiserver with a stack set installed through the built
/// binary from the upstream manifests. `defer { fixture.stop() }` right after creating it.
struct UpgradeFixture {
  let fake: OwnFakeKube
  let stack: ModernStack

  /// Starts the fake apiserver (with `config`, e.g. `["version": "v1.33.2"]`) and installs `set` on it.
  static func installed(_ set: String = "kserve-0.15", config: JSONValue = [:]) async throws -> UpgradeFixture {
    let fixture = UpgradeFixture(fake: try await OwnFakeKube(config: config), stack: try ModernStack())
    let install = try await fixture.servestack(["install", "--stack", set, "--skip-tests", "--timeout", "5m"])
    try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
    return fixture
  }

  var kubeconfig: String { fake.kubeconfig }

  /// The mirror and cache flags every command needs to reach the manifests.
  var flags: [String] { stack.flags }

  func client() throws -> KubeClient { try fake.client() }

  func store() throws -> InstallStateStore { InstallStateStore(client: try fake.client()) }

  /// Runs the binary against the fake with `arguments` followed by ``flags``.
  func servestack(_ arguments: [String]) async throws -> Shell.Output {
    try await EngineTests.servestack(arguments + stack.flags, kubeconfig: fake.kubeconfig)
  }

  /// Changes how the fake apiserver behaves (`["neverReady": ["kserve/x"]]`: see its /fake/config).
  func configureFake(_ config: JSONValue) async throws {
    _ = try await fake.backend.fakeControl(.patch, "/fake/config", config)
  }

  func stop() { fake.stop() }
}
