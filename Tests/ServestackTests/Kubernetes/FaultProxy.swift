import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport

/// `Resources/Kubernetes/fault_proxy.py` in front of a backend: a TLS proxy that drops, delays and
/// answers 429/503 on its own, with a kubeconfig that points at it.
final class FaultProxy: Sendable {
  let process: ChildProcess
  let port: Int
  let kubeconfig: String
  let directory: TemporaryDirectory
  let certificates: TestCertificates

  /// Rates are probabilities per request (see the script).
  init(
    in front: KubeTestBackend, seed: Int = 7, drop: Double = 0, dropAfter: Double = 0, delay: Double = 0,
    r429: Double = 0, r503: Double = 0, free: Int = 0
  ) async throws {
    directory = try TemporaryDirectory(prefix: "sstest-proxy")
    let pki = directory.file("pki")
    // openssl runs off the cooperative pool (it has only as many threads as cores).
    certificates = try await BlockingExecutor.shared.run { try TestCertificates.make(in: pki) }
    let upstream = try front.connection().server
    let upstreamCA = try front.caFile(in: directory)
    let arguments = [
      "--cert", certificates.serverCertificate.path, "--key", certificates.serverKey.path, "--upstream", upstream,
      "--upstream-ca", upstreamCA, "--seed", String(seed), "--drop", String(drop), "--drop-after", String(dropAfter),
      "--delay", String(delay), "--r429", String(r429), "--r503", String(r503), "--free", String(free),
    ]
    (process, port) = try await Kube.startPython(
      "Kubernetes/fault_proxy.py", arguments, log: directory.file("proxy.log"))
    kubeconfig = try front.kubeconfig(
      server: "https://127.0.0.1:\(port)", caFile: certificates.caCertificate.path, in: directory, name: "proxied")
  }

  func client(options: KubeClientOptions = KubeClientOptions()) throws -> KubeClient {
    try KubeClient(
      connection: KubeConfigLoader.load(KubeConfigOptions(kubeconfig: kubeconfig, environment: [:])), options: options)
  }

  /// Calls the proxy's control API (`/__proxy/stats`, `/__proxy/drop-all`, `/__proxy/config`).
  func control(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
    var configuration = HTTPClientConfiguration()
    configuration.tls.certificateAuthority = .file(certificates.caCertificate.path)
    configuration.proxy = .none
    let http = try HTTPClient(configuration: configuration)
    defer { http.shutdown() }
    var request = HTTPRequest(method: method, url: "https://127.0.0.1:\(port)\(path)")
    if let body { request.body = .bytes(body.serializedBytes()) }
    let response = try await http.execute(request)
    return try JSONValue(parsing: response.body)
  }

  func stop() { process.stop() }

  deinit { process.stop(grace: 2) }
}
