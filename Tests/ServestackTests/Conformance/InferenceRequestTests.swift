import Conformance
import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

/// Requests and expectations against a REAL KServe sklearn model server (the iris fixture) behind a proxy
/// that routes by Host and injects faults.
@Suite(
  "Inference requests through the ingress with Host, and expectations with diffs",
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"))
struct InferenceRequestTests {
  static let v1Body: JSONValue = ["instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]]
  static let v2Body: JSONValue = [
    "inputs": [
      [
        "name": "input-0", "shape": [2, 4], "datatype": "FP32", "data": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]],
      ]
    ]
  ]
  static let v1Expect = ResponseExpectation(
    status: 200, json: [.init(path: try! JSONPath("predictions"), equals: [1, 1])])  // swiftlint:disable:this force_try
  static let v2Expect = ResponseExpectation(
    status: 200, json: [.init(path: try! JSONPath("outputs[0].data"), equals: [1, 1])])

  struct Setup {
    let fixture: IrisFixture
    let client: InferenceClient
    let endpoint: InferenceEndpoint
    let host: String
  }

  /// A fresh host routed to the model server, so that faults of one test do not touch another.
  static func setup() async throws -> Setup {
    let fixture = try await IrisFixture.shared()
    let host = "sklearn-iris.req-\(UUID().uuidString.prefix(6).lowercased()).example.com"
    try await fixture.route(host)
    let client = InferenceClient(http: try InferenceClient.makeHTTPClient())
    return Setup(
      fixture: fixture, client: client, endpoint: InferenceEndpoint(ingressURL: fixture.ingressURL, host: host),
      host: host)
  }

  static func v1(timeout: Duration = .seconds(10), attempts: Int = 1) -> InferenceRequest {
    InferenceRequest(
      path: "/v1/models/sklearn-iris:predict", body: v1Body, timeout: timeout, attempts: attempts,
      retryInterval: .milliseconds(100))
  }

  @Test("the real sklearn server answers the documented [1, 1] on v1 and v2")
  func documentedAnswers() async throws {
    let s = try await Self.setup()
    let v1 = await s.client.send(Self.v1(), to: s.endpoint)
    #expect(v1.status == 200)
    #expect(Self.v1Expect.problems(with: v1).isEmpty)
    #expect(Self.v1Expect.summary(of: v1) == "status 200, predictions = [1,1]")
    let v2 = await s.client.send(
      InferenceRequest(path: "/v2/models/sklearn-iris/infer", body: Self.v2Body), to: s.endpoint)
    #expect(Self.v2Expect.problems(with: v2).isEmpty, "\(v2.text)")
    #expect(v2.json?["outputs"]?[0]?["datatype"] == "INT64")
  }

  @Test("a wrong prediction fails with a diff naming the elements")
  func wrongPrediction() async throws {
    let s = try await Self.setup()
    try await s.fixture.fault(s.host, "wrong-prediction")
    let problems = Self.v1Expect.problems(with: await s.client.send(Self.v1(), to: s.endpoint))
    #expect(
      problems == [
        "predictions: expected [1,1], got [0,0] (predictions[0]: expected 1, got 0; predictions[1]: expected 1, got 0)"
      ])
  }

  @Test("a wrong v2 output fails on outputs[0].data")
  func wrongV2Output() async throws {
    let s = try await Self.setup()
    try await s.fixture.fault(s.host, "wrong-v2")
    let response = await s.client.send(
      InferenceRequest(path: "/v2/models/sklearn-iris/infer", body: Self.v2Body), to: s.endpoint)
    #expect(
      Self.v2Expect.problems(with: response).first?.hasPrefix("outputs[0].data: expected [1,1], got [2,2]") == true)
  }

  @Test("a 500 fails with the status and the body")
  func serverError() async throws {
    let s = try await Self.setup()
    try await s.fixture.fault(s.host, "status", status: 500)
    let problems = Self.v1Expect.problems(with: await s.client.send(Self.v1(attempts: 3), to: s.endpoint))
    #expect(problems == ["status 500, expected 200: {\"error\": \"injected fault: HTTP 500\"}"])
  }

  @Test("a slow answer times out, is not retried, and says so")
  func timeout() async throws {
    let s = try await Self.setup()
    try await s.fixture.fault(s.host, "delay", delaySeconds: 30)
    let started = ContinuousClock.now
    let response = await s.client.send(Self.v1(timeout: .milliseconds(700), attempts: 3), to: s.endpoint)
    // Well under the 30 s the server holds the answer back: the client gave up on its own. (The bound is
    // wide because a full parallel run on two busy cores can keep this task from resuming for seconds.)
    #expect(ContinuousClock.now - started < .seconds(20))
    #expect(response.timedOut && response.status == nil && response.attempts == 1)
    let problems = Self.v1Expect.problems(with: response)
    #expect(problems.count == 1 && problems[0].contains("timed out") && problems[0].contains("Host: \(s.host)"))
  }

  @Test("an unrouted host gets the gateway's 404, explained")
  func unknownHost() async throws {
    let s = try await Self.setup()
    let other = InferenceEndpoint(ingressURL: s.fixture.ingressURL, host: "nobody.example.com")
    let response = await s.client.send(Self.v1(), to: other)
    #expect(response.status == 404)
    #expect(
      Self.v1Expect.problems(with: response) == [
        "status 404, expected 200: the ingress has no route for Host nobody.example.com (is status.url's host served by this gateway? check the domain and --ingress)"
      ])
    #expect(response.failureSummary.contains("no route for Host nobody.example.com"))
  }

  @Test("503 while the route warms up is retried; the answer after it counts")
  func retriesUnavailable() async throws {
    let s = try await Self.setup()
    try await s.fixture.fault(s.host, "status", status: 503, count: 2)
    let response = await s.client.send(Self.v1(attempts: 3), to: s.endpoint)
    #expect(response.status == 200 && response.attempts == 3)
    #expect(Self.v1Expect.problems(with: response).isEmpty)
  }

  @Test("JSON paths: keys, indexes, quoted keys; missing members are named")
  func jsonPaths() throws {
    let document: JSONValue = ["outputs": [["data": [1, 2], "a.b": "x"]]]
    #expect(try JSONPath("outputs[0].data[1]").value(in: document) == 2)
    #expect(try JSONPath("outputs[0][\"a.b\"]").value(in: document) == "x")
    #expect(try JSONPath("outputs[1].data").value(in: document) == nil)
    #expect(try JSONPath("outputs[1].data").deepestExisting(in: document) == "$.outputs")
    #expect(throws: ValueError.self) { try JSONPath("outputs[x]") }
    #expect(throws: ValueError.self) { try JSONPath("") }
    #expect(throws: ValueError.self) { try JSONPath("a[0") }
  }
}
