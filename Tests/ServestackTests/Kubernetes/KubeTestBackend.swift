import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport
import Testing
import YAML

/// The apiservers the client tests run against: the same tests, once per backend.
enum KubeBackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  /// `Resources/FakeKube/fake_apiserver.py`, started once per test process.
  case fake
  /// The cluster of `SERVESTACK_TEST_KUBECONFIG` (the v1.20 testenv).
  case real

  var testDescription: String { rawValue }
}

/// A started backend: its admin kubeconfig and helpers for test namespaces.
struct KubeTestBackend: Sendable {
  let kind: KubeBackendKind
  let kubeconfig: String
  /// The fake's state folder (its kubeconfig has a `restricted` context).
  let fakeDirectory: String?

  var isFake: Bool { kind == .fake }

  /// The backend, or cancels (skips) the current test case with a one-line reason when it is missing.
  static func get(_ kind: KubeBackendKind) async throws -> KubeTestBackend {
    switch kind {
    case .real:
      guard let path = TestEnvironment.testKubeconfig else { try skip(kind, TestEnvironment.missingClusterReason) }
      return KubeTestBackend(kind: .real, kubeconfig: path, fakeDirectory: nil)
    case .fake:
      guard TestEnvironment.which("python3") != nil, TestEnvironment.which("openssl") != nil else {
        try skip(kind, "the fake apiserver needs python3 and openssl; skipped")
      }
      let running = try await FakeKubeServer.shared.running()
      return KubeTestBackend(kind: .fake, kubeconfig: running.kubeconfig, fakeDirectory: running.directory)
    }
  }

  /// Skips the current test case with a one-line reason on stderr (cancelled test cases show no reason).
  static func skip(_ kind: KubeBackendKind, _ reason: String) throws -> Never {
    let test = Test.current?.displayName ?? Test.current?.name ?? "test"
    FileHandle.standardError.write(Data("⊘ \(test) [\(kind)]: \(reason)\n".utf8))
    try Test.cancel(Comment(rawValue: reason))
  }

  func connection(context: String? = nil) throws -> ClusterConnection {
    try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: kubeconfig, context: context, environment: [:]))
  }

  func client(options: KubeClientOptions = KubeClientOptions()) throws -> KubeClient {
    try KubeClient(connection: connection(), options: options)
  }

  /// Runs `body` with a fresh namespace `sstest-<random>`, deleted afterwards (without waiting).
  func withNamespace<T: Sendable>(
    _ client: KubeClient, _ body: (String) async throws -> T
  ) async throws -> T {
    let name = "sstest-" + String(UUID().uuidString.lowercased().prefix(8))
    _ = try await client.apply(KubeObject(Kube.namespace, name: name))
    do {
      let result = try await body(name)
      _ = try? await client.delete(ObjectReference(Kube.namespace, name: name))
      return result
    } catch {
      _ = try? await client.delete(ObjectReference(Kube.namespace, name: name))
      throw error
    }
  }

  /// A POST/PATCH/GET to the fake's control API (`/fake/config`, `/fake/fault`, `/fake/log`).
  func fakeControl(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
    let connection = try self.connection()
    var configuration = HTTPClientConfiguration()
    configuration.tls = connection.tls
    configuration.proxy = .none
    if case .token(let token) = connection.credentials { configuration.authorization = .bearer(token) }
    let http = try HTTPClient(configuration: configuration)
    defer { http.shutdown() }
    var request = HTTPRequest(
      method: method, url: connection.server + path, headers: ["Content-Type": "application/json"])
    if let body { request.body = .bytes(body.serializedBytes()) }
    let response = try await http.execute(request)
    guard response.isSuccess else { throw TestSetupError("\(method) \(path): \(response.status) \(response.text)") }
    return try JSONValue(parsing: response.body)
  }

  /// A kubeconfig for `server` with the admin's credentials and `caFile` (for the fault proxy).
  func kubeconfig(server: String, caFile: String, in directory: TemporaryDirectory, name: String) throws -> String {
    guard case .token(let token) = try connection().credentials else {
      throw TestSetupError("the admin user has no token")
    }
    return try Kube.writeKubeconfig(server: server, caFile: caFile, token: token.value, in: directory, name: name)
  }

  /// The upstream CA as a file (the fake's kubeconfig carries it inline).
  func caFile(in directory: TemporaryDirectory) throws -> String {
    switch try connection().tls.certificateAuthority {
    case .file(let path): return path
    case .data(let bytes):
      return try directory.write("upstream-ca.crt", String(decoding: bytes, as: UTF8.self)).path
    case nil: throw TestSetupError("the backend's kubeconfig has no CA")
    }
  }
}

/// Well-known kinds and small helpers for the tests.
enum Kube {
  static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
  static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
  static let secret = GroupVersionKind(group: "", version: "v1", kind: "Secret")
  static let serviceAccount = GroupVersionKind(group: "", version: "v1", kind: "ServiceAccount")
  static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
  static let crd = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

  /// Parses YAML documents into objects.
  static func objects(_ yaml: String) throws -> [KubeObject] {
    try YAMLParser.parseDocuments(yaml).map(KubeObject.init)
  }

  static func writeKubeconfig(
    server: String, caFile: String, token: String, in directory: TemporaryDirectory, name: String
  ) throws -> String {
    let text = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: c
        cluster: {server: "\(server)", certificate-authority: "\(caFile)"}
      users:
      - name: u
        user: {token: "\(token)"}
      contexts:
      - name: ctx
        context: {cluster: c, user: u}
      current-context: ctx
      """
    return try directory.write(name, text).path
  }

  /// A Deployment of `replicas` pods (image never pulled on hollow nodes).
  static func deployment(_ name: String, namespace: String, replicas: Int = 1, nodeSelector: [String: String]? = nil)
    -> KubeObject
  {
    var podSpec: JSONValue = ["containers": [["name": "main", "image": "registry.invalid/sstest/app:1.0"]]]
    if let nodeSelector {
      podSpec["nodeSelector"] = .object(
        JSONObject(uniqueKeysWithValues: nodeSelector.map { ($0.key, JSONValue.string($0.value)) }))
    }
    return KubeObject([
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": ["name": .string(name), "namespace": .string(namespace)],
      "spec": [
        "replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
        "template": ["metadata": ["labels": ["app": .string(name)]], "spec": podSpec],
      ],
    ])
  }

  static func configMap(_ name: String, namespace: String, data: [String: String] = ["key": "value"]) -> KubeObject {
    KubeObject([
      "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(namespace)],
      "data": .object(
        JSONObject(uniqueKeysWithValues: data.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
    ])
  }

  /// The test resources folder (`Tests/ServestackTests/Resources`).
  static var resources: URL {
    get throws {
      guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw TestSetupError("the test bundle has no Resources folder")
      }
      return url
    }
  }

  /// Starts a Python script from `Resources/` under the watchdog and waits for its `READY <port>` line.
  /// `removeAfter` is a folder the watchdog deletes once the script has ended.
  static func startPython(
    _ script: String, _ arguments: [String], log: URL, removeAfter: URL? = nil
  ) async throws -> (ChildProcess, Int) {
    let resources = try resources
    let watchdog = resources.appendingPathComponent("Kubernetes/kube_watchdog.py").path
    let process = try ChildProcess(
      "/usr/bin/env",
      ["python3", watchdog] + (removeAfter.map { ["--rm", $0.path] } ?? [])
        + ["python3", resources.appendingPathComponent(script).path] + arguments,
      logFile: log)
    let deadline = Date().addingTimeInterval(30)
    // One look after the deadline too, in case this task was not scheduled for a while.
    var lastLook = false
    while !lastLook {
      lastLook = Date() >= deadline
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }),
        let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
      {
        return (process, port)
      }
      guard process.isRunning else {
        throw TestSetupError("\(script) exited before it was ready:\n\(process.logTail())")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    process.stop()
    throw TestSetupError("\(script) was not ready within 30 s:\n\(process.logTail())")
  }
}

/// A fake apiserver process (Resources/FakeKube/fake_apiserver.py) in a folder of its own: the one way
/// the tests start it. The watchdog stops it and removes the folder when the test process ends.
struct FakeKubeProcess: Sendable {
  let directory: URL
  let port: Int
  let process: ChildProcess

  /// Its admin kubeconfig (contexts `fake` = admin, `restricted` = limited RBAC).
  var kubeconfig: String { directory.appendingPathComponent("kubeconfig").path }

  /// Starts one with `config` (FakeKube README: knobs), when given, and waits for its `READY` line.
  static func start(config: JSONValue? = nil, prefix: String = "sstest-fakekube") async throws -> FakeKubeProcess {
    guard TestEnvironment.which("python3") != nil, TestEnvironment.which("openssl") != nil else {
      throw TestSetupError("the fake apiserver needs python3 and openssl")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var arguments = ["--port", "0", "--dir", directory.path]
    if let config {
      let file = directory.appendingPathComponent("config.json")
      try Data(config.serializedBytes()).write(to: file)
      arguments += ["--config", file.path]
    }
    let (process, port) = try await Kube.startPython(
      "FakeKube/fake_apiserver.py", arguments, log: directory.appendingPathComponent("fake_apiserver.log"),
      removeAfter: directory)
    return FakeKubeProcess(directory: directory, port: port, process: process)
  }
}

/// The fake apiserver, started once per test process in a temporary folder (the watchdog stops it when
/// the test process ends).
actor FakeKubeServer {
  static let shared = FakeKubeServer()

  struct Running: Sendable {
    let directory: String
    let kubeconfig: String
    let port: Int
    let process: ChildProcess
  }

  private var starting: Task<Running, any Error>?

  /// The running server; concurrent callers share one start (actor methods interleave at `await`).
  func running() async throws -> Running {
    if let starting, let running = try? await starting.value, running.process.isRunning { return running }
    let task = Task { try await Self.start() }
    starting = task
    return try await task.value
  }

  private static func start() async throws -> Running {
    let fake = try await FakeKubeProcess.start()
    return Running(directory: fake.directory.path, kubeconfig: fake.kubeconfig, port: fake.port, process: fake.process)
  }
}
