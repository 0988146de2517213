import Conformance
import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite("Load generator: bounded concurrency and duration, HDR latency quantiles, cold start")
struct LoadGeneratorTests {
  static func options(_ concurrency: Int, _ duration: Duration, max: Int? = nil) throws -> LoadOptions {
    try LoadOptions(
      concurrency: concurrency, duration: duration, maximumRequests: max,
      request: InferenceRequestTests.v1(timeout: .seconds(10)), expectation: InferenceRequestTests.v1Expect)
  }

  /// One answered request on a host of its own, so that the model server is warm before a timed run.
  static func warmUp() async throws {
    let warm = try await InferenceRequestTests.setup()
    _ = await warm.client.send(InferenceRequestTests.v1(timeout: .seconds(60)), to: warm.endpoint)
  }

  @Test("runs for the duration with at most `concurrency` requests in flight and fills the histogram")
  func boundedLoad() async throws {
    try await Self.warmUp()
    let s = try await InferenceRequestTests.setup()
    let generator = LoadGenerator(client: InferenceClient(http: try InferenceClient.makeHTTPClient(connections: 8)))
    let result = await generator.run(try Self.options(4, .milliseconds(1500)), against: s.endpoint)
    // Counts and times are loose on purpose: the model server shares 2 cores with the rest of the suite.
    #expect(result.requests >= 4, "\(result.requests) requests")
    #expect(result.errors == 0, "\(result.firstError ?? "")")
    #expect(result.statuses == ["200": result.requests])
    // No worker starts a request after its duration; those in flight end within their 10 s timeout (plus
    // however late a worker started on the busy machine).
    #expect(result.elapsedSeconds >= 1.5 && result.elapsedSeconds < 1.5 + 10 + 10, "\(result.elapsedSeconds) s")
    let l = result.latency
    #expect(
      l.count == result.requests && 0 < l.p50Seconds && l.p50Seconds <= l.p95Seconds && l.p95Seconds <= l.p99Seconds)
    #expect(l.p99Seconds <= l.maxSeconds * 1.001)
    let stats = try await s.fixture.control(.get, "stats")
    let maxInflight = stats["hosts"]?[s.host]?["maxInflight"]?.intValue ?? 0
    #expect(maxInflight >= 2 && maxInflight <= 4, "max in flight \(maxInflight)")
  }

  @Test("a request budget stops the load early; failures are counted with the first reason")
  func budgetAndErrors() async throws {
    let s = try await InferenceRequestTests.setup()
    try await s.fixture.fault(s.host, "status", status: 500, count: 3)
    let generator = LoadGenerator(client: InferenceClient(http: try InferenceClient.makeHTTPClient()))
    let result = await generator.run(try Self.options(1, .seconds(120), max: 10), against: s.endpoint)
    #expect(result.requests == 10)
    #expect(result.errors == 3)
    #expect(result.statuses == ["500": 3, "200": 7])
    #expect(result.firstError?.hasPrefix("status 500, expected 200") == true)
    #expect(result.elapsedSeconds < 60, "the budget, not the 120 s duration, ended the run")
  }

  @Test("the first answer's latency is the cold start when requests are held until a replica is ready")
  func coldStart() async throws {
    try await Self.warmUp()
    let s = try await InferenceRequestTests.setup()
    try await s.fixture.route(s.host, ready: false)
    let fixture = s.fixture
    let host = s.host
    let release = Task {
      try await Task.sleep(for: .milliseconds(1200))
      try await fixture.route(host, ready: true)
    }
    let generator = LoadGenerator(client: InferenceClient(http: try InferenceClient.makeHTTPClient()))
    let result = await generator.run(try Self.options(2, .seconds(2)), against: s.endpoint)
    try await release.value
    let first = try #require(result.firstLatencySeconds)
    // Held for 1.2 s; the upper bound is loose because the model server shares 2 cores with the suite.
    #expect(first >= 1.0 && first < 30, "cold start \(first)s")
    #expect(result.latency.maxSeconds >= first * 0.99)
    #expect(result.errors == 0)
  }

  @Test("concurrency and duration are bounded")
  func bounds() throws {
    #expect(throws: ConformanceError.self) { try Self.options(0, .seconds(1)) }
    #expect(throws: ConformanceError.self) { try Self.options(LoadOptions.maximumConcurrency + 1, .seconds(1)) }
    #expect(throws: ConformanceError.self) { try Self.options(1, .zero) }
    #expect(throws: ConformanceError.self) { try Self.options(1, .seconds(3600)) }
    #expect(throws: ConformanceError.self) { try Self.options(1, .seconds(1), max: 0) }
  }
}
