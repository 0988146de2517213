import Foundation
import HTTP
import ServestackCore
import TestSupport

/// The inference endpoint of the conformance tests: a REAL KServe model server (PyPI kserve, scikit-learn)
/// serving the iris model the fixture trains, behind a Host-routing proxy that plays the ingress gateway and
/// injects faults on request (Resources/Conformance/iris_fixture.py). Started once per test process (the
/// kserve import is slow); it exits with the test process.
final class IrisFixture: Sendable {
  let process: ChildProcess
  let port: Int
  let http: HTTPClient

  /// The model names the server serves (one per InferenceService name the phases use).
  static let modelNames = ["sklearn-iris", "sklearn-iris-gpu", "sklearn-iris-scale", "sklearn-iris-canary"]

  static func shared() async throws -> IrisFixture { try await Holder.shared.get() }

  private actor Holder {
    static let shared = Holder()
    var fixture: IrisFixture?
    var failure: String?

    func get() async throws -> IrisFixture {
      if let fixture { return fixture }
      if let failure { throw TestSetupError(failure) }
      do {
        let started = try await IrisFixture.start()
        fixture = started
        return started
      } catch {
        failure = "\(error)"
        throw error
      }
    }
  }

  private init(process: ChildProcess, port: Int, http: HTTPClient) {
    self.process = process
    self.port = port
    self.http = http
  }

  static var script: URL {
    get throws {
      guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw TestSetupError("test resources not found")
      }
      return resources.appendingPathComponent("Conformance/iris_fixture.py")
    }
  }

  static func start() async throws -> IrisFixture {
    let modelDir = FileManager.default.temporaryDirectory.appendingPathComponent("servestack-iris-model")
    let process = try ChildProcess(
      "python3",
      [
        try script.path, "--model-dir", modelDir.path, "--model-names", modelNames.joined(separator: ","),
        "--parent-pid", String(getpid()),
      ])
    let deadline = Date().addingTimeInterval(90)
    while Date() < deadline {
      let log = (try? String(contentsOf: process.logFile, encoding: .utf8)) ?? ""
      if let line = log.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }) {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, let port = Int(fields[1]) else { break }
        var configuration = HTTPClientConfiguration()
        configuration.retry = .none
        configuration.proxy = .none
        return IrisFixture(process: process, port: port, http: try HTTPClient(configuration: configuration))
      }
      if !process.isRunning { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    let tail = process.logTail(40)
    process.stop()
    throw TestSetupError("the iris fixture did not start:\n\(tail)")
  }

  /// `http://127.0.0.1:<port>`: what tests pass as `--ingress`.
  var ingressURL: String { "http://127.0.0.1:\(port)" }

  @discardableResult
  func control(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
    var request = HTTPRequest(method: method, url: "\(ingressURL)/__fixture/\(path)")
    if let body {
      request.body = .bytes(body.serializedBytes())
      request.headers.set("Content-Type", "application/json")
    }
    request.timeout = .seconds(10)
    let response = try await http.execute(request)
    guard response.isSuccess else {
      throw TestSetupError("fixture \(method) \(path): \(response.status) \(response.text)")
    }
    return try JSONValue(parsing: response.body)
  }

  /// Routes `host` to the model server (`ready: false` holds its requests, as Knative's activator does).
  /// `revisions` (`[{name, percent, suffix}]`) splits its requests: a revision with suffix `-v2` is answered by
  /// the v2 model (`<model>-v2`).
  func route(_ host: String, ready: Bool = true, gpu: JSONValue? = nil, revisions: JSONValue? = nil) async throws {
    var body: JSONValue = ["host": .string(host), "ready": .bool(ready)]
    if let gpu { body["gpu"] = gpu }
    if let revisions { body["revisions"] = revisions }
    try await control(.post, "hosts", body)
  }

  func unroute(_ host: String) async throws { try await control(.delete, "hosts", ["host": .string(host)]) }

  /// Injects a fault for `host`: `wrong-prediction`, `wrong-v2`, `status` (with `status`), `delay` (with
  /// `delaySeconds`), `reset`; `path` is a regex on the request path.
  func fault(
    _ host: String, _ kind: String, status: Int? = nil, delaySeconds: Double? = nil, path: String? = nil,
    count: Int? = nil,
    hostPattern: String? = nil
  ) async throws {
    var body: JSONValue = ["host": .string(host), "kind": .string(kind)]
    if let hostPattern { body["hostPattern"] = .string(hostPattern) }
    if let status { body["status"] = .int(status) }
    if let delaySeconds { body["delaySeconds"] = .double(delaySeconds) }
    if let path { body["path"] = .string(path) }
    if let count { body["count"] = .int(count) }
    try await control(.post, "faults", body)
  }

  func clearFaults(_ host: String) async throws { try await control(.delete, "faults", ["host": .string(host)]) }

  /// Requests in flight and answered so far for `host`.
  func stats(_ host: String) async throws -> (inflight: Int, total: Int) {
    let stats = try await control(.get, "stats")
    let entry = stats["hosts"]?[host]
    return (entry?["inflight"]?.intValue ?? 0, entry?["total"]?.intValue ?? 0)
  }

  /// The DCGM-exporter look-alike the fixture serves.
  var dcgmURL: String { "\(ingressURL)/__fixture/dcgm/metrics" }
}
