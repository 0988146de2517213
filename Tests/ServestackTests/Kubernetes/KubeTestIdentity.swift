import Foundation
import Kubernetes
import ServestackCore
import TestSupport

/// Identities the tests mint on a backend: service-account tokens, a restricted user, client certificates.
enum KubeTestIdentity {
  /// Creates ServiceAccount `account` in `namespace` and returns a 10-minute token for it (TokenRequest).
  static func mintToken(_ admin: KubeClient, namespace: String, account: String) async throws -> String {
    _ = try await admin.apply(KubeObject(Kube.serviceAccount, name: account, namespace: namespace))
    let request: JSONValue = [
      "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 600],
    ]
    let answer = try await admin.create(
      request, subresource: "token", of: ObjectReference(Kube.serviceAccount, namespace: namespace, name: account))
    guard let token = answer[path: ["status", "token"]]?.stringValue, !token.isEmpty else {
      throw TestSetupError("TokenRequest returned no token")
    }
    return token
  }

  /// A client for a service account allowed only to get and list ConfigMaps in `namespace`.
  static func restrictedClient(_ backend: KubeTestBackend, _ admin: KubeClient, namespace: String) async throws
    -> KubeClient
  {
    let objects = try Kube.objects(
      """
      apiVersion: rbac.authorization.k8s.io/v1
      kind: Role
      metadata: {name: cm-reader, namespace: \(namespace)}
      rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: RoleBinding
      metadata: {name: cm-reader, namespace: \(namespace)}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
      subjects: [{kind: ServiceAccount, name: restricted, namespace: \(namespace)}]
      """)
    let result = await admin.applyMany(objects)
    guard result.succeeded else { throw TestSetupError("RBAC setup failed: \(result.failures)") }
    let token = try await mintToken(admin, namespace: namespace, account: "restricted")
    let dir = try TemporaryDirectory()
    let path = try Kube.writeKubeconfig(
      server: admin.connection.server, caFile: try backend.caFile(in: dir), token: token, in: dir, name: "restricted")
    return try KubeClient(connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: path, environment: [:])))
  }

  /// Has the cluster sign a client certificate for `user` (certificates.k8s.io/v1, signer
  /// kubernetes.io/kube-apiserver-client, approved by the admin). Returns PEM certificate and key.
  static func signClientCertificate(_ admin: KubeClient, user: String, in dir: TemporaryDirectory) async throws -> (
    String, String
  ) {
    let key = dir.file("\(user).key").path
    let csr = dir.file("\(user).csr").path
    // openssl runs off the cooperative pool (it has only as many threads as cores).
    try await BlockingExecutor.shared.run {
      try Shell.check("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key + ".ec"])
      try Shell.check("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", key + ".ec", "-out", key])
      try Shell.check("openssl", ["req", "-new", "-key", key, "-subj", "/CN=\(user)/O=sstest", "-out", csr])
    }
    let request = try String(contentsOfFile: csr, encoding: .utf8)
    let kind = GroupVersionKind(group: "certificates.k8s.io", version: "v1", kind: "CertificateSigningRequest")
    let reference = ObjectReference(kind, name: user)
    var object = KubeObject(kind, name: user)
    object["spec"] = [
      "request": .string(Data(request.utf8).base64EncodedString()), "signerName": "kubernetes.io/kube-apiserver-client",
      "usages": ["client auth"],
    ]
    _ = try await admin.create(object)
    defer { Task { _ = try? await admin.delete(reference) } }
    var current = try await admin.get(reference)
    current["status"] = [
      "conditions": [
        ["type": "Approved", "status": "True", "reason": "SSTest", "message": "approved by the servestack tests"]
      ]
    ]
    _ = try await admin.update(current, subresource: "approval")
    let issued = WaitCondition(name: "issued") { object in
      object?[path: "status", "certificate"]?.stringValue.map { _ in .satisfied("issued") }
        ?? .pending("not signed yet")
    }
    let wait = await Waiter(client: admin).wait(for: reference, until: issued, timeout: .seconds(30))
    if let error = wait.error { throw error }
    let signed = try await admin.get(reference)
    guard let encoded = signed[path: "status", "certificate"]?.stringValue, let data = Data(base64Encoded: encoded)
    else {
      throw TestSetupError("the CSR has no certificate")
    }
    return (String(decoding: data, as: UTF8.self), try String(contentsOfFile: key, encoding: .utf8))
  }
}
