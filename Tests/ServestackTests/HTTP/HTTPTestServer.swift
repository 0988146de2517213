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

  private init(process: ChildProcess, port: Int, scheme: String, directory: TemporaryDirectory) {
    self.process = process
    self.port = port
    self.scheme = scheme
    self.directory = directory
  }

  /// Starts a server: plain HTTP, or HTTPS with `certificate`/`key` (and a required client certificate
  /// signed by `clientCA`), or a forward-proxy stand-in. Waits for its port by sleeping between looks, so
  /// that no thread is held while Python starts.
  static func start(
    certificate: URL? = nil, key: URL? = nil, clientCA: URL? = nil, proxy: Bool = false
  ) async throws -> HTTPTestServer {
    let directory = try TemporaryDirectory(prefix: "servestack-http-server")
    let portFile = directory.file("port")
    var arguments = [try script.path, "--port-file", portFile.path]
    if let certificate, let key { arguments += ["--cert", certificate.path, "--key", key.path] }
    if let clientCA { arguments += ["--client-ca", clientCA.path] }
    if proxy { arguments.append("--proxy") }
    guard let python = TestEnvironment.which("python3") else { throw TestSetupError("python3 is not on PATH") }
    let process = try ChildProcess(python, arguments)
    do {
      let port = try await process.waitForPortFile(portFile)
      return HTTPTestServer(
        process: process, port: port, scheme: certificate == nil ? "http" : "https", directory: directory)
    } catch {
      await process.stopAsync(grace: 2)
      throw error
    }
  }

  func stop() { process.stop(grace: 2) }

  deinit { stop() }

  /// The server's per-key request counter (flaky, drop), stream state, and the seconds between
  /// consecutive /flaky requests as the server saw them.
  func counter(_ key: String, client: HTTPClient) async throws -> (count: Int, stream: String, gaps: [Double]) {
    let response = try await client.get(url("/counter?key=\(key)"))
    let json = try JSONValue(parsing: response.body)
    let gaps = (json["gaps"]?.arrayValue ?? []).compactMap(\.doubleValue)
    return (json["count"]?.intValue ?? -1, json["stream"]?.stringValue ?? "", gaps)
  }

  /// Lets a `/stream?hold=` response for `key` go on past its first chunk.
  func release(_ key: String, client: HTTPClient) async throws {
    let response = try await client.get(url("/release?key=\(key)"))
    guard response.status == 200 else { throw TestSetupError("/release answered \(response.status)") }
  }

  /// Polls the stream state of `key` until it leaves `holding`/`started` (or `timeout` passes); the
  /// server decides within its hold time, so the timeout only bounds a broken test server.
  func settledStreamState(_ key: String, client: HTTPClient, timeout: Duration = .seconds(180)) async throws -> String {
    let deadline = ContinuousClock.now + timeout
    while true {
      let state = try await counter(key, client: client).stream
      if (state != "started" && state != "holding") || ContinuousClock.now >= deadline { return state }
      try await Task.sleep(for: .milliseconds(50))
    }
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
  LoopbackFence.enable()
  var configuration = HTTPClientConfiguration()
  configuration.proxy = .none
  configuration.retry = RetryPolicy(
    maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .seconds(2), retryableStatuses: [429, 503])
  adjust(&configuration)
  return try HTTPClient(configuration: configuration)
}

/// A throw-away PKI, made off the cooperative pool (openssl runs several times).
func makeCertificates(in directory: TemporaryDirectory) async throws -> TestCertificates {
  try await TestCertificates.makeAsync(in: directory.url)
}

/// Seconds since `start`.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
