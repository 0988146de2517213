import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// kubeconfig resolution as kubectl does it: merging, contexts, paths, errors naming file and field.
@Suite("KubeConfigLoader")
struct KubeConfigLoaderTests {
  static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  static var pemBase64: String { Data(pem.utf8).base64EncodedString() }

  func file(
    _ dir: TemporaryDirectory, _ name: String, clusters: [(String, String)], users: [(String, String)],
    contexts: [(String, String)], current: String?
  ) throws -> String {
    var text = "apiVersion: v1\nkind: Config\nclusters:\n"
    for (name, body) in clusters { text += "- name: \(name)\n  cluster:\n\(indent(body))" }
    text += "users:\n"
    for (name, body) in users { text += "- name: \(name)\n  user:\n\(indent(body))" }
    text += "contexts:\n"
    for (name, body) in contexts { text += "- name: \(name)\n  context:\n\(indent(body))" }
    if let current { text += "current-context: \(current)\n" }
    return try dir.write(name, text).path
  }

  private func indent(_ body: String) -> String {
    body.split(separator: "\n").map { "    \($0)\n" }.joined()
  }

  @Test("KUBECONFIG with two files: first definition of a name and first current-context win")
  func mergesFilesInOrder() throws {
    let dir = try TemporaryDirectory()
    let a = try file(
      dir, "a.yaml", clusters: [("shared", "server: https://127.0.0.1:1111")], users: [("alice", "token: tok-a")],
      contexts: [("ctx-a", "cluster: shared\nuser: alice\nnamespace: team-a")], current: "ctx-a")
    let b = try file(
      dir, "b.yaml",
      clusters: [("shared", "server: https://127.0.0.1:9999"), ("other", "server: https://127.0.0.1:2222")],
      users: [("alice", "token: ignored"), ("bob", "username: bob\npassword: pw")],
      contexts: [("ctx-a", "cluster: other\nuser: bob"), ("ctx-b", "cluster: other\nuser: bob")], current: "ctx-b")
    let env = ["KUBECONFIG": "\(a)::\(dir.path)/missing.yaml:\(b)", "HOME": "/nonexistent"]
    let first = try KubeConfigLoader.load(KubeConfigOptions(environment: env))
    #expect(first.contextName == "ctx-a")
    #expect(!first.isInCluster)
    #expect(first.server == "https://127.0.0.1:1111")
    #expect(first.namespace == "team-a")
    guard case .token(let token) = first.credentials else {
      Issue.record("expected a token")
      return
    }
    #expect(token.value == "tok-a")

    let second = try KubeConfigLoader.load(KubeConfigOptions(context: "ctx-b", namespace: "override", environment: env))
    #expect(second.server == "https://127.0.0.1:2222")
    #expect(second.namespace == "override")
    guard case .basic(let user, _) = second.credentials else {
      Issue.record("expected basic auth")
      return
    }
    #expect(user == "bob")
  }

  @Test("an unknown context names the available ones")
  func unknownContext() throws {
    let dir = try TemporaryDirectory()
    let path = try file(
      dir, "config", clusters: [("c", "server: https://127.0.0.1:1")], users: [("u", "token: t")],
      contexts: [("one", "cluster: c\nuser: u"), ("two", "cluster: c\nuser: u")], current: "one")
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, context: "x", environment: [:]))
    }
    #expect(error?.code == .badConfig)
    #expect(error?.message.contains("context \"x\" not found; available contexts: \"one\", \"two\"") == true)
    #expect(error?.category == .input)
  }

  @Test("bad base64 names the file (with ~ for home) and the field")
  func badBase64() throws {
    let home = try TemporaryDirectory()
    let path = try file(
      home, ".kube/config",
      clusters: [("c", "server: https://127.0.0.1:1\ncertificate-authority-data: \(Self.pemBase64)")],
      users: [("u", "client-certificate-data: \(Self.pemBase64)\nclient-key-data: '%%% not base64'")],
      contexts: [("ctx", "cluster: c\nuser: u")], current: "ctx")
    #expect(FileManager.default.fileExists(atPath: path))
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(environment: ["HOME": home.path]))
    }
    #expect(error?.message == "~/.kube/config: users[0].user.client-key-data: not valid base64")
  }

  @Test("a missing referenced file names the field and the resolved path")
  func missingReferencedFile() throws {
    let dir = try TemporaryDirectory()
    let path = try file(
      dir, "cfg/config", clusters: [("c", "server: https://127.0.0.1:1\ncertificate-authority: certs/ca.crt")],
      users: [("u", "token: t")], contexts: [("ctx", "cluster: c\nuser: u")], current: "ctx")
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:]))
    }
    #expect(error?.message.hasPrefix("\(path): clusters[0].cluster.certificate-authority: no such file ") == true)
    #expect(error?.message.hasSuffix("/cfg/certs/ca.crt") == true)
  }

  @Test("relative paths resolve against the kubeconfig's folder; TLS and proxy settings carry over")
  func relativePathsAndTLS() throws {
    let dir = try TemporaryDirectory()
    try dir.write("cfg/pki/ca.crt", Self.pem)
    try dir.write("cfg/pki/client.crt", Self.pem)
    try dir.write("cfg/pki/client.key", "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n")
    try dir.write("cfg/token", "file-token\n")
    let path = try file(
      dir, "cfg/config",
      clusters: [
        (
          "c",
          "server: https://127.0.0.1:6443/\ncertificate-authority: pki/ca.crt\ntls-server-name: kubernetes\nproxy-url: http://127.0.0.1:3128"
        )
      ],
      users: [("u", "client-certificate: pki/client.crt\nclient-key: ./pki/client.key\ntokenFile: token")],
      contexts: [("ctx", "cluster: c\nuser: u")], current: "ctx")
    let connection = try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:]))
    #expect(connection.server == "https://127.0.0.1:6443")
    #expect(
      connection.tls.certificateAuthority
        == .file(dir.url.appendingPathComponent("cfg/pki/ca.crt").standardizedFileURL.path))
    #expect(
      connection.tls.clientKey == .file(dir.url.appendingPathComponent("cfg/pki/client.key").standardizedFileURL.path))
    #expect(connection.tls.serverName == "kubernetes")
    #expect(connection.namespace == "default")
    guard case .url(let proxy) = connection.proxy else {
      Issue.record("expected proxy-url")
      return
    }
    #expect(proxy == "http://127.0.0.1:3128")
    guard case .tokenFile(let tokenPath) = connection.credentials else {
      Issue.record("expected tokenFile")
      return
    }
    #expect(tokenPath.hasSuffix("/cfg/token"))
  }

  @Test("exec plugins: v1 needs interactiveMode, relative commands with a slash resolve")
  func execConfig() throws {
    let dir = try TemporaryDirectory()
    let exec =
      "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: ./bin/get-token\n  args: [--x]\n  env: [{name: A, value: b}]\n"
    let broken = try file(
      dir, "broken", clusters: [("c", "server: https://127.0.0.1:1")], users: [("u", exec)],
      contexts: [("ctx", "cluster: c\nuser: u")], current: "ctx")
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: broken, environment: [:]))
    }
    #expect(error?.message.contains("users[0].user.exec.interactiveMode: required") == true)
    let good = try file(
      dir, "good", clusters: [("c", "server: https://127.0.0.1:1")],
      users: [("u", exec + "  interactiveMode: Never\n")],
      contexts: [("ctx", "cluster: c\nuser: u")], current: "ctx")
    let connection = try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: good, environment: [:]))
    guard case .exec(let config) = connection.credentials else {
      Issue.record("expected exec")
      return
    }
    #expect(config.command == dir.url.appendingPathComponent("bin/get-token").path)
    #expect(config.args == ["--x"])
    #expect(config.env == [.init(name: "A", value: "b")])
  }

  @Test("a context that names an undefined user or cluster says which")
  func danglingReferences() throws {
    let dir = try TemporaryDirectory()
    let path = try file(
      dir, "config", clusters: [("c", "server: https://127.0.0.1:1")], users: [("u", "token: t")],
      contexts: [("ctx", "cluster: c\nuser: nobody")], current: "ctx")
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:]))
    }
    #expect(
      error?.message == "\(path): contexts[0].context.user: user \"nobody\" is not defined; available users: \"u\"")
  }

  @Test("no configuration at all lists what was tried; invalid YAML names file and line")
  func nothingFoundAndBadYAML() throws {
    let dir = try TemporaryDirectory()
    let error = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(environment: ["HOME": dir.path]))
    }
    #expect(error?.message.contains("tried ~/.kube/config (absent)") == true)
    let bad = try dir.write("bad", "clusters: [unclosed\n")
    let yamlError = #expect(throws: KubeError.self) {
      try KubeConfigLoader.load(KubeConfigOptions(kubeconfig: bad.path, environment: [:]))
    }
    #expect(yamlError?.message.hasPrefix("\(bad.path):") == true)
    #expect(yamlError?.message.contains("not a valid kubeconfig") == true)
  }

  @Test("in-cluster config from an injected service-account folder")
  func inCluster() throws {
    let root = try TemporaryDirectory()
    try root.write("token", "sa-token\n")
    try root.write("ca.crt", Self.pem)
    try root.write("namespace", "kserve\n")
    let env = ["HOME": root.path + "/nohome", "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
    let connection = try KubeConfigLoader.load(KubeConfigOptions(environment: env, inClusterRoot: root.path))
    #expect(connection.server == "https://10.96.0.1:443")
    #expect(connection.namespace == "kserve")
    #expect(connection.tls.certificateAuthority == .file(root.path + "/ca.crt"))
    #expect(connection.source.contains("in-cluster"))
    #expect(connection.isInCluster)
    guard case .tokenFile(let path) = connection.credentials else {
      Issue.record("expected a token file")
      return
    }
    #expect(path == root.path + "/token")
  }
}
