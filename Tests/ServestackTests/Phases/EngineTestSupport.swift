import Foundation
import HTTP
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// Shared pieces of the installer tests: the real-1.20 phase set, a fake apiserver of the test's own
/// (configured for it), and running the built `servestack` binary.
enum EngineTests {
  static let lease = GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease")
  static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
  static let crd = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
  static let widgetsCRD = "widgets.real120.servestack.dev"

  /// `Resources/Phases/real120`: manifests Kubernetes 1.20 accepts.
  static var real120: URL {
    get throws { try Kube.resources.appendingPathComponent("Phases/real120") }
  }

  /// A fresh name for a test namespace (`sstest-<what>-<random>`).
  static func uniqueName(_ what: String) -> String {
    "sstest-\(what)-" + String(UUID().uuidString.lowercased().prefix(6))
  }

  static func realClient() throws -> KubeClient {
    guard let path = TestEnvironment.testKubeconfig else { throw TestSetupError(TestEnvironment.missingClusterReason) }
    return try KubeClient(connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
  }

  /// Install options for the real120 set in `namespace`, state in `stateNamespace`.
  static func real120Options(namespace: String, stateNamespace: String, cache: TemporaryDirectory) throws
    -> InstallOptions
  {
    InstallOptions(
      phaseSet: try PhaseSet.load(directory: real120),
      parameters: try PhaseParameters(profile: .serverless, overrides: ["namespace": namespace]),
      fetcher: try ManifestFetcher(options: ManifestFetcher.Options(cacheDirectory: cache.url)),
      preflight: PreflightOptions(ignored: ["kubernetes-version"], stateNamespace: stateNamespace),
      stateNamespace: stateNamespace)
  }

  /// The resourceVersion of every object the state records (`kind ns/name` → version).
  static func resourceVersions(_ client: KubeClient, stateNamespace: String) async throws -> [String: String] {
    let state = try await InstallStateStore(client: client, namespace: stateNamespace).load()
    var versions: [String: String] = [:]
    for record in state.records.values {
      for object in record.objects {
        let gvk = try GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind)
        let live = try await client.get(ObjectReference(gvk, namespace: object.namespace, name: object.name))
        versions[object.description] = live.resourceVersion ?? "?"
      }
    }
    return versions
  }

  /// Deletes test namespaces without waiting (best effort; the tests' own uninstalls wait).
  static func cleanUp(_ client: KubeClient, namespaces: [String]) async {
    for name in namespaces { _ = try? await client.delete(ObjectReference(namespace, name: name)) }
  }

  /// Runs the built binary with `arguments` against `kubeconfig`.
  static func servestack(_ arguments: [String], kubeconfig: String? = nil) async throws -> Shell.Output {
    guard let binary = TestEnvironment.servestackBinary else {
      throw TestSetupError("the servestack binary is not built (swift build)")
    }
    var environment = ["NO_COLOR": "1"]
    if let kubeconfig { environment["KUBECONFIG"] = kubeconfig }
    return try await Shell.runAsync(binary.path, arguments, environment: environment)
  }
}

/// A fake apiserver of the test's own, started with `config` (FakeKube README: knobs), stopped by
/// ``stop()`` or when the test process ends (watchdog).
final class OwnFakeKube: Sendable {
  let directory: URL
  let process: ChildProcess
  let backend: KubeTestBackend

  var kubeconfig: String { backend.kubeconfig }

  init(config: JSONValue = [:]) async throws {
    let fake = try await FakeKubeProcess.start(config: config, prefix: "sstest-engine")
    directory = fake.directory
    process = fake.process
    backend = KubeTestBackend(kind: .fake, kubeconfig: fake.kubeconfig, fakeDirectory: fake.directory.path)
  }

  func client() throws -> KubeClient { try backend.client() }

  /// The fake's request log from `since` (the `seq` of entries, FakeKube README).
  func log(since: Int = 0) async throws -> [JSONValue] {
    try await backend.fakeControl(.get, "/fake/log?since=\(since)")["items"]?.arrayValue ?? []
  }

  func stop() { process.stop(grace: 2) }
  deinit { process.stop(grace: 2) }
}

/// The default stack's manifests served under their release URL paths, and options installing them
/// through `--mirror` into a fake.
struct ModernStack {
  let mirror: ManifestMirror
  let cache: TemporaryDirectory

  init() throws {
    guard let fixtures = TestEnvironment.upstreamFixtures else {
      throw TestSetupError(TestEnvironment.missingFixturesReason)
    }
    mirror = try ManifestMirror(fixtures: fixtures)
    cache = try TemporaryDirectory(prefix: "servestack-cache")
  }

  func options(timeout: Duration? = .seconds(180)) throws -> InstallOptions {
    InstallOptions(
      phaseSet: try PhaseSet.builtin(), parameters: try PhaseParameters(profile: .serverless),
      fetcher: try ManifestFetcher(options: ManifestFetcher.Options(cacheDirectory: cache.url, mirror: mirror.base)),
      timeout: timeout, preflight: PreflightOptions())
  }

  /// The CLI flags for the same.
  var flags: [String] { ["--mirror", mirror.base, "--cache", cache.path] }
}
