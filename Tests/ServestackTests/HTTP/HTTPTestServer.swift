import Foundation
import HTTP
import ServestackCore
import TestSupport

/// The Python test server of Resources/HTTP/test_server.py, on 127.0.0.1 and a port it picks itself.
final class HTTPTestServer: Sendable {
  let process: ChildProcess
  let port: Int
  let scheme: String
  private let directory: TemporaryDirectory

  var base: String { "\(scheme)://127.0.0.1:\(port)" }
  func url(_ path: String) -> String { base + path }

  static var script: URL {
    get throws {
      guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw TestSetupError("test resources are missing from the bundle")
      }
      return resources.appendingPathComponent("HTTP/test_server.py")
    }
  }

  /// Starts a server: plain HTTP, or HTTPS with `certificate`/`key` (and a required client certificate
  /// signed by `clientCA`), or a forward-proxy stand-in.
  init(certificate: URL? = nil, key: URL? = nil, clientCA: URL? = nil, proxy: Bool = false) throws {
    directory = try TemporaryDirectory(prefix: "servestack-http-server")
    let portFile = directory.file("port")
    var arguments = [try Self.script.path, "--port-file", portFile.path]
    if let certificate, let key { arguments += ["--cert", certificate.path, "--key", key.path] }
    if let clientCA { arguments += ["--client-ca", clientCA.path] }
    if proxy { arguments.append("--proxy") }
    guard let python = TestEnvironment.which("python3") else { throw TestSetupError("python3 is not on PATH") }
    process = try ChildProcess(python, arguments)
    scheme = certificate == nil ? "http" : "https"
    let deadline = Date().addingTimeInterval(15)
    var found: Int?
    while Date() < deadline {
      if let text = try? String(contentsOf: portFile, encoding: .utf8), let value = Int(text) {
        found = value
        break
      }
      if !process.isRunning { break }
      usleep(20_000)
    }
    guard let found else {
      process.stop()
      throw TestSetupError("the test server did not start:\n\(process.logTail())")
    }
    port = found
  }

  /// Starts a server from a blocking-work thread, so that waiting for it never occupies the cooperative
  /// pool that the other tests' timing depends on.
  static func start(
    certificate: URL? = nil, key: URL? = nil, clientCA: URL? = nil, proxy: Bool = false
  ) async throws -> HTTPTestServer {
    try await BlockingExecutor.shared.run {
      try HTTPTestServer(certificate: certificate, key: key, clientCA: clientCA, proxy: proxy)
    }
  }

  func stop() { process.stop(grace: 2) }

  deinit { stop() }

  /// The server's per-key request counter (flaky, drop) and stream state.
  func counter(_ key: String, client: HTTPClient) async throws -> (count: Int, stream: String) {
    let response = try await client.get(url("/counter?key=\(key)"))
    let json = try JSONValue(parsing: response.body)
    return (json["count"]?.intValue ?? -1, json["stream"]?.stringValue ?? "")
  }
}

/// The bytes `/bytes?size=&seed=` sends, for checking downloads independently of the server's header.
func expectedPatternDigest(size: Int, seed: Int) -> Digest {
  let block = (0..<65536).map { UInt8(($0 * 7 + seed) % 256) }
  var hasher = SHA256Stream()
  var remaining = size
  while remaining > 0 {
    let piece = min(remaining, block.count)
    hasher.update(Array(block[0..<piece]))
    remaining -= piece
  }
  return hasher.finalize()
}

/// A client for tests: no proxy from the environment, quick retries.
func makeTestClient(_ adjust: (inout HTTPClientConfiguration) -> Void = { _ in }) throws -> HTTPClient {
  var configuration = HTTPClientConfiguration()
  configuration.proxy = .none
  configuration.retry = RetryPolicy(
    maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .seconds(2), retryableStatuses: [429, 503])
  adjust(&configuration)
  return try HTTPClient(configuration: configuration)
}

/// A throw-away PKI, made off the cooperative pool (openssl runs several times).
func makeCertificates(in directory: TemporaryDirectory) async throws -> TestCertificates {
  let url = directory.url
  return try await BlockingExecutor.shared.run { try TestCertificates.make(in: url) }
}

/// Seconds since `start`.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
