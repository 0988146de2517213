import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing
import YAML

/// The fake Kubernetes API server (Resources/FakeKube) on 127.0.0.1, with just enough of a client to
/// server-side apply objects and read them back (independent of the Kubernetes module under test elsewhere).
final class BundleFakeKube: @unchecked Sendable {
  // @unchecked Sendable: every stored property is immutable after init.
  let fake: FakeKubeProcess
  let base: String
  let token: Secret
  let client: HTTPClient

  init() async throws {
    fake = try await FakeKubeProcess.start(prefix: "servestack-fakekube")
    base = "https://127.0.0.1:\(fake.port)"
    let kubeconfig = try YAMLParser.parseDocument(Array(try Data(contentsOf: URL(fileURLWithPath: fake.kubeconfig))))
    let caData = try #require(
      kubeconfig["clusters"]?[0]?[path: ["cluster", "certificate-authority-data"]]?.stringValue)
    let ca = try #require(Data(base64Encoded: caData))
    let admin = try #require(kubeconfig["users"]?.arrayValue?.first { $0["name"] == "admin" })
    token = Secret(try #require(admin[path: ["user", "token"]]?.stringValue))
    var configuration = HTTPClientConfiguration()
    configuration.tls.certificateAuthority = .data(Array(ca))
    configuration.proxy = .none
    client = try HTTPClient(configuration: configuration)
  }

  static let plurals = [
    "Namespace": "namespaces", "Deployment": "deployments", "Job": "jobs", "ConfigMap": "configmaps",
  ]

  func path(of object: JSONValue) throws -> String {
    let apiVersion = try #require(object["apiVersion"]?.stringValue)
    let kind = try #require(object["kind"]?.stringValue)
    let plural = try #require(Self.plurals[kind], "add \(kind) to BundleFakeKube.plurals")
    let name = try #require(object[path: ["metadata", "name"]]?.stringValue)
    let group = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
    let namespace = object[path: ["metadata", "namespace"]]?.stringValue.map { "/namespaces/\($0)" } ?? ""
    return "\(base)\(group)\(namespace)/\(plural)/\(name)"
  }

  /// Server-side applies `object`; returns the HTTP status and the object the server answered.
  func apply(_ object: JSONValue) async throws -> (status: Int, body: JSONValue?) {
    var request = HTTPRequest(
      method: .patch, url: try path(of: object) + "?fieldManager=servestack-test&force=true",
      body: .bytes(object.serializedBytes()))
    request.headers.set("Content-Type", "application/apply-patch+yaml")
    request.authorization = .bearer(token)
    let response = try await client.execute(request)
    return (response.status, try? JSONValue(parsing: response.body))
  }

  deinit { fake.process.stop() }
}
