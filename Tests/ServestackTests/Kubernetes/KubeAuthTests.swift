import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// Authentication against both backends: the admin token, a service-account token, exec plugins, and (on
/// the real cluster) a client certificate signed through the CSR API.
@Suite("Kubernetes auth")
struct KubeAuthTests {
  @Test("admin token auth and discovery", arguments: KubeBackendKind.allCases)
  func tokenAuthAndDiscovery(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let deployments = try await client.mapper.mapping(for: Kube.deployment)
    #expect(deployments.resource.resource == "deployments")
    #expect(deployments.namespaced)
    #expect(deployments.verbs.contains("patch"))
    #expect(deployments.subresources.contains("status"))
    let namespaces = try await client.mapper.mapping(for: Kube.namespace)
    #expect(!namespaces.namespaced)
    let missing = GroupVersionKind(group: "apps", version: "v1", kind: "NoSuchThing")
    let error = await #expect(throws: KubeError.self) { try await client.mapper.mapping(for: missing) }
    #expect(error?.code == .unknownKind)
    #expect(error?.message.contains("has no kind NoSuchThing") == true)
    let unknownGroup = GroupVersionKind(group: "nothing.example.com", version: "v1", kind: "Thing")
    let groupError = await #expect(throws: KubeError.self) { try await client.mapper.mapping(for: unknownGroup) }
    #expect(groupError?.message.contains("does not serve the API group 'nothing.example.com'") == true)
    let version = try await client.getJSON(path: "/version")
    #expect(version["gitVersion"]?.stringValue?.hasPrefix("v1.") == true)
  }

  @Test(
    "a service-account token minted with TokenRequest authenticates as that account",
    arguments: KubeBackendKind.allCases)
  func serviceAccountToken(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.client()
    try await backend.withNamespace(admin) { namespace in
      let token = try await KubeTestIdentity.mintToken(admin, namespace: namespace, account: "reader")
      let dir = try TemporaryDirectory()
      let ca = try backend.caFile(in: dir)
      let path = try Kube.writeKubeconfig(
        server: admin.connection.server, caFile: ca, token: token, in: dir, name: "sa")
      let client = try KubeClient(
        connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
      let error = await #expect(throws: KubeError.self) {
        try await client.list(Kube.secret, namespace: "kube-system")
      }
      #expect(error?.code == .forbidden)
      #expect(error?.category == .refused)
      #expect(error?.message.contains("system:serviceaccount:\(namespace):reader") == true)
    }
  }

  @Test("client-certificate auth with a certificate signed through the CSR API", arguments: KubeBackendKind.allCases)
  func clientCertificate(_ kind: KubeBackendKind) async throws {
    if kind == .fake {
      try KubeTestBackend.skip(kind, "the fake apiserver does not authenticate client certificates; skipped")
    }
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.client()
    let dir = try TemporaryDirectory()
    let user = "sstest-user-\(UUID().uuidString.prefix(6).lowercased())"
    let (certificate, key) = try await KubeTestIdentity.signClientCertificate(admin, user: user, in: dir)
    let ca = try backend.caFile(in: dir)
    let config = """
      apiVersion: v1
      kind: Config
      clusters: [{name: c, cluster: {server: "\(admin.connection.server)", certificate-authority: "\(ca)"}}]
      users: [{name: u, user: {client-certificate-data: \(Data(certificate.utf8).base64EncodedString()), client-key-data: \(Data(key.utf8).base64EncodedString())}}]
      contexts: [{name: x, context: {cluster: c, user: u}}]
      current-context: x
      """
    let path = try dir.write("cert-kubeconfig", config).path
    let client = try KubeClient(
      connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
    _ = try await client.getJSON(path: "/api")
    let error = await #expect(throws: KubeError.self) { try await client.list(Kube.namespace, namespace: nil) }
    #expect(error?.code == .forbidden)
    #expect(error?.message.contains("User \"\(user)\"") == true)
  }

  @Test(
    "exec plugin: run once for many requests, again after a 401 and once expired", arguments: KubeBackendKind.allCases)
  func execPluginCaching(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.connection()
    guard case .token(let token) = admin.credentials else { throw TestSetupError("admin has no token") }
    let dir = try TemporaryDirectory()
    try dir.write("token", token.value)
    // Call 1 prints a wrong token (the client must re-run the plugin on the 401); later calls print the
    // right one. Expiry is EXPIRES from now: an hour (cached), or already past (run for every request).
    let script = """
      #!/bin/sh
      set -e
      n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"
      case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) echo "bad exec info" >&2; exit 3;; esac
      if [ "$n" = 1 ] && [ "$FIRST_WRONG" = yes ]; then tok=wrong-token; else tok=$(cat "$TOKEN_FILE"); fi
      exp=$(date -u -d "$EXPIRES" +%Y-%m-%dT%H:%M:%S.%3NZ)
      printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}' "$tok" "$exp"
      """
    let plugin = try dir.write("bin/plugin.sh", script)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin.path)
    let ca = try backend.caFile(in: dir)
    func client(_ name: String, expires: String, firstWrong: Bool) throws -> KubeClient {
      let config = """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "\(admin.server)", certificate-authority: "\(ca)"}}]
        users:
        - name: u
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: ./bin/plugin.sh
              interactiveMode: Never
              env:
              - {name: COUNTER, value: "\(dir.path)/\(name).count"}
              - {name: TOKEN_FILE, value: "\(dir.path)/token"}
              - {name: EXPIRES, value: "\(expires)"}
              - {name: FIRST_WRONG, value: "\(firstWrong ? "yes" : "no")"}
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """
      let path = try dir.write("\(name).kubeconfig", config).path
      return try KubeClient(connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
    }
    func count(_ name: String) -> String? {
      (try? String(contentsOf: dir.file("\(name).count"), encoding: .utf8))?.trimmingCharacters(
        in: .whitespacesAndNewlines)
    }

    let cached = try client("cached", expires: "+1 hour", firstWrong: true)
    for _ in 0..<5 { _ = try await cached.list(Kube.namespace, namespace: nil) }
    #expect(count("cached") == "2", "one run for the wrong token, one after the 401, none for the next requests")
    #expect(await cached.execPluginRuns == 2)

    let expired = try client("expired", expires: "-1 second", firstWrong: false)
    for _ in 0..<3 { _ = try await expired.getJSON(path: "/version") }
    #expect(count("expired") == "3", "an expired credential is renewed before the next request")
  }

  @Test("an exec plugin that failed is not run again: later requests fail with its error")
  func failedExecPluginIsNotRerun() async throws {
    let dir = try TemporaryDirectory()
    let failing = try dir.write("fail.sh", "#!/bin/sh\necho x >> \"$0.runs\"\necho 'login expired' >&2\nexit 4\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing.path)
    let client = try KubeClient(
      connection: ClusterConnection(
        server: "https://127.0.0.1:1", credentials: .exec(ExecCredentialConfig(command: failing.path, origin: "test"))))
    let first = await #expect(throws: KubeError.self) { try await client.getJSON(path: "/version") }
    let second = await #expect(throws: KubeError.self) { try await client.getJSON(path: "/api") }
    #expect(second?.code == .execPlugin)
    #expect(second?.message == first?.message)
    #expect(await client.execPluginRuns == 1)
    let runs = try String(contentsOf: URL(fileURLWithPath: failing.path + ".runs"), encoding: .utf8)
    #expect(runs == "x\n", "the plugin ran \(runs.split(separator: "\n").count) times")
  }

  @Test("a failing exec plugin is named with its stderr, a missing one with the install hint")
  func execPluginErrors() async throws {
    let dir = try TemporaryDirectory()
    let failing = try dir.write("fail.sh", "#!/bin/sh\necho 'login expired: run sso-login' >&2\nexit 4\n")
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing.path)
    let connection = ClusterConnection(
      server: "https://127.0.0.1:1", credentials: .exec(ExecCredentialConfig(command: failing.path, origin: "test")))
    let client = try KubeClient(connection: connection)
    let error = await #expect(throws: KubeError.self) { try await client.getJSON(path: "/version") }
    #expect(error?.code == .execPlugin)
    #expect(error?.message.contains("'\(failing.path)'") == true)
    #expect(error?.message.contains("exited with status 4: login expired: run sso-login") == true)

    let missing = try KubeClient(
      connection: ClusterConnection(
        server: "https://127.0.0.1:1",
        credentials: .exec(
          ExecCredentialConfig(command: "sstest-no-such-plugin", installHint: "Install it with apt.", origin: "test"))))
    let missingError = await #expect(throws: KubeError.self) { try await missing.getJSON(path: "/version") }
    #expect(missingError?.message.contains("'sstest-no-such-plugin'") == true)
    #expect(missingError?.message.contains("not found on PATH. Install it with apt.") == true)
  }
}
