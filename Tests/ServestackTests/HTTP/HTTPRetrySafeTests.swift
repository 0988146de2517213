import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

/// One 500 or 503 must not fail a request that is safe to send again: HEAD/GET under the default policy,
/// and a POST whose caller vouches for it (a registry's upload start).
@Suite("HTTP retries of requests that are safe to repeat")
struct HTTPRetrySafeTests {
  static func client() throws -> HTTPClient {
    try makeTestClient {
      $0.retry = RetryPolicy.default
      $0.retry.initialBackoff = .milliseconds(20)
    }
  }

  @Test("the default policy retries 500, 502, 503 and 504 (and 429) for HEAD and GET")
  func defaultPolicyRetriesServerErrors() async throws {
    #expect(RetryPolicy.default.retryableStatuses == [429, 500, 502, 503, 504])
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try Self.client()
    for (method, status) in [(HTTPMethod.head, 500), (.get, 503)] {
      let key = "\(method.rawValue)-\(status)-\(UUID().uuidString.prefix(6))"
      let response = try await client.execute(
        HTTPRequest(method: method, url: server.url("/flaky?key=\(key)&fail=1&status=\(status)")))
      #expect(response.status == 200, "\(method) after one \(status)")
      #expect(response.attempts == 2)
    }
  }

  @Test("a POST marked safe to repeat is retried after one 503; an unmarked POST is not")
  func postSafeToRepeat() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try Self.client()
    var marked = HTTPRequest(method: .post, url: server.url("/flaky?key=marked&fail=1&status=503"))
    marked.safeToRepeat = true
    let response = try await client.execute(marked)
    #expect(response.status == 200)
    #expect(response.attempts == 2)
    let plain = try await client.execute(
      HTTPRequest(method: .post, url: server.url("/flaky?key=plain&fail=1&status=503")))
    #expect(plain.status == 503, "a POST is not repeated unless its caller says it may be")
  }
}
