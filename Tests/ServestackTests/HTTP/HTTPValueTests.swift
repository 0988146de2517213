import Foundation
import HTTP
import ServestackCore
import Testing

@Suite struct HTTPValueTests {
  @Test("headers are ordered and case insensitive") func headersAreOrderedAndCaseInsensitive() {
    var headers: HTTPHeaders = ["Content-Type": "application/json", "X-A": "1"]
    headers.add("x-a", "2")
    #expect(headers["content-type"] == "application/json")
    #expect(headers.values(for: "X-a") == ["1", "2"])
    headers.set("X-A", "3")
    #expect(headers.values(for: "x-a") == ["3"])
    #expect(headers.map(\.name) == ["Content-Type", "X-A"])
    headers.remove("CONTENT-TYPE")
    #expect(headers["Content-Type"] == nil)
    #expect(headers.count == 1)
  }

  @Test("header description redacts credentials") func headerDescriptionRedactsCredentials() {
    let headers: HTTPHeaders = ["Authorization": "Bearer sekrit", "Accept": "*/*"]
    #expect(!headers.description.contains("sekrit"))
    #expect(headers.description.contains("Accept: */*"))
  }

  @Test("method idempotence") func methodIdempotence() {
    #expect(HTTPMethod.get.isIdempotent && HTTPMethod.head.isIdempotent)
    #expect(HTTPMethod.put.isIdempotent && HTTPMethod.delete.isIdempotent)
    #expect(!HTTPMethod.post.isIdempotent && !HTTPMethod.patch.isIdempotent)
    #expect(HTTPMethod(rawValue: "get") == .get)
    #expect(HTTPMethod.patch.description == "PATCH")
  }

  @Test("retry after seconds and dates") func retryAfterSecondsAndDates() throws {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    #expect(RetryPolicy.parseRetryAfter("3", now: now) == .seconds(3))
    #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == .zero)
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    let date = formatter.string(from: now.addingTimeInterval(7))
    #expect(RetryPolicy.parseRetryAfter(date, now: now) == .seconds(7))
    #expect(RetryPolicy.parseRetryAfter(formatter.string(from: now.addingTimeInterval(-60)), now: now) == .zero)
    #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    #expect(RetryPolicy.parseRetryAfter("-1", now: now) == nil)
    // Capped by maxBackoff.
    #expect(RetryPolicy.default.retryAfter("3600", now: now) == .seconds(10))
  }

  @Test("backoff grows with jitter within bounds") func backoffGrowsWithJitterWithinBounds() {
    let policy = RetryPolicy.default
    for attempt in 1...8 {
      let base = min(Duration.milliseconds(200) * (1 << (attempt - 1)), .seconds(10))
      for _ in 0..<20 {
        let wait = policy.backoff(afterAttempt: attempt)
        #expect(wait >= base / 2 && wait <= base)
      }
    }
    #expect(RetryPolicy.default.maxAttempts == 4)
    #expect(RetryPolicy.default.retryableStatuses == [429, 500, 502, 503, 504])
    #expect(RetryPolicy.none.maxAttempts == 1)
  }

  @Test("proxy rules from either case") func proxyRulesFromEitherCase() {
    let upper = ProxyRules.environment(["HTTP_PROXY": "http://p:1", "HTTPS_PROXY": "http://p:2", "NO_PROXY": "a,b"])
    #expect(upper == ProxyRules(httpProxy: "http://p:1", httpsProxy: "http://p:2", noProxy: "a,b"))
    let lower = ProxyRules.environment(["http_proxy": "http://l:1", "HTTP_PROXY": "http://u:1", "no_proxy": "c"])
    #expect(lower == ProxyRules(httpProxy: "http://l:1", httpsProxy: nil, noProxy: "c"))
    let all = ProxyRules.environment(["ALL_PROXY": "http://all:3", "https_proxy": ""])
    #expect(all == ProxyRules(httpProxy: "http://all:3", httpsProxy: "http://all:3", noProxy: nil))
  }

  @Test("error categories and redaction") func errorCategoriesAndRedaction() {
    let dns = HTTPError(.dns, "x", url: "https://user:pw@example.invalid/path?q=1")
    #expect(dns.category == .unreachable)
    #expect(dns.url == "https://<redacted>@example.invalid/path?q=1")
    #expect(HTTPError(.invalidURL, "x", url: "").category == .input)
    #expect(HTTPError(.tls, "x", url: "").category == .unreachable)
    #expect(HTTPError(.timedOut, "x", url: "").category == .unreachable)
  }

  @Test("invalid UR ls are rejected before sending") func invalidURLsAreRejectedBeforeSending() async throws {
    let client = try makeTestClient()
    for url in ["not a url", "ftp://127.0.0.1/x", "/relative/path"] {
      await #expect(throws: HTTPError.self) { try await client.get(url) }
      do {
        _ = try await client.get(url)
      } catch {
        #expect(error.code == .invalidURL)
        #expect(error.category == .input)
      }
    }
    let strict = try makeTestClient { $0.allowPlainHTTP = false }
    do {
      _ = try await strict.get("http://127.0.0.1:9/")
      Issue.record("plain http was allowed")
    } catch {
      #expect(error.code == .invalidURL)
    }
    do {
      _ = try await client.execute(HTTPRequest(url: "http://127.0.0.1:9/", headers: ["X-Bad": "a\r\nInjected: 1"]))
      Issue.record("header injection was allowed")
    } catch {
      #expect(error.code == .invalidRequest)
    }
  }
}
