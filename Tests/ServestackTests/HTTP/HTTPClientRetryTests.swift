import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite struct HTTPClientRetryTests {
  static let patient = RetryPolicy(
    maxAttempts: 4, initialBackoff: .milliseconds(10), maxBackoff: .seconds(5), retryableStatuses: [429, 503])

  @Test("retries statuses honouring retry after") func retriesStatusesHonouringRetryAfter() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient { $0.retry = Self.patient }
    let key = UUID().uuidString
    let start = ContinuousClock.now
    let response = try await client.get(server.url("/flaky?key=\(key)&fail=2&status=503&retry_after=1"))
    let elapsed = secondsSince(start)
    #expect(response.status == 200)
    #expect(response.attempts == 3)
    // Lower bounds only: load can lengthen the waits but never shorten them. Without Retry-After the
    // policy's backoff would wait 10–40 ms.
    #expect(elapsed >= 1.9, "two Retry-After: 1 waits, took \(elapsed)s")
    let seen = try await server.counter(key, client: client)
    #expect(seen.count == 3)
    #expect(seen.gaps.count == 2)
    #expect(seen.gaps.allSatisfy { $0 >= 0.95 }, "the server saw the attempts \(seen.gaps) s apart")

    let quick = try await client.get(server.url("/flaky?key=\(UUID().uuidString)&fail=1&status=429&retry_after=0"))
    #expect(quick.status == 200)
    #expect(quick.attempts == 2)

    let exhausted = try await client.get(server.url("/flaky?key=\(UUID().uuidString)&fail=10&status=503"))
    #expect(exhausted.status == 503)
    #expect(exhausted.attempts == 4)
  }

  @Test("retries resend file bodies and truncate file destinations")
  func retriesResendFileBodiesAndTruncateFileDestinations() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let directory = try TemporaryDirectory()
    let upload = try directory.write("body.txt", String(repeating: "0123456789", count: 10_000))
    let target = directory.file("response.json")
    let client = try makeTestClient { $0.retry = Self.patient }
    var request = HTTPRequest(
      method: .put, url: server.url("/flaky?key=\(UUID().uuidString)&fail=2&status=503&retry_after=0"),
      body: .file(upload))
    request.destination = .file(target)
    let response = try await client.execute(request)
    #expect(response.status == 200)
    #expect(response.attempts == 3)
    // Only the last response is in the file, and the last attempt sent the whole body again.
    let json = try JSONValue(parsing: [UInt8](Data(contentsOf: target)))
    #expect(json["attempt"]?.intValue == 3)
    #expect(json["body_length"]?.intValue == 100_000)
    #expect(json["body_sha256"]?.stringValue == Digest.sha256(String(repeating: "0123456789", count: 10_000)).hex)
    #expect(response.bodyDigest == Digest.sha256([UInt8](try Data(contentsOf: target))))
  }

  @Test("post is not retried on a status") func postIsNotRetriedOnAStatus() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient { $0.retry = Self.patient }
    let key = UUID().uuidString
    let response = try await client.execute(
      HTTPRequest(method: .post, url: server.url("/flaky?key=\(key)&fail=1&status=503&retry_after=0"), body: .text("x"))
    )
    #expect(response.status == 503)
    #expect(response.attempts == 1)
    #expect(try await server.counter(key, client: client).count == 1)
  }

  @Test("dropped connection retried for get only") func droppedConnectionRetriedForGetOnly() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient { $0.retry = Self.patient }
    let key = UUID().uuidString
    let response = try await client.get(server.url("/drop?key=\(key)&times=1"))
    #expect(response.status == 200)
    #expect(response.attempts == 2)
    #expect(try await server.counter(key, client: client).count == 2)

    // A fresh client: on a reused keep-alive connection libcurl itself resends a request that got no
    // answer at all (it takes that for the server closing an idle connection), whatever the method.
    let fresh = try makeTestClient { $0.retry = Self.patient }
    let postKey = UUID().uuidString
    do {
      _ = try await fresh.execute(HTTPRequest(method: .post, url: server.url("/drop?key=\(postKey)&times=1")))
      Issue.record("a dropped connection was not reported")
    } catch {
      #expect(error.code == .connectionClosed)
      #expect(error.attempts == 1)
      #expect(error.category == .unreachable)
    }
  }

  @Test("refused connection retried for any method") func refusedConnectionRetriedForAnyMethod() async throws {
    let port = Loopback.freePort()
    let client = try makeTestClient { $0.retry = Self.patient }
    do {
      _ = try await client.execute(HTTPRequest(method: .post, url: "http://127.0.0.1:\(port)/x", body: .text("y")))
      Issue.record("nothing listens, yet the request succeeded")
    } catch {
      #expect(error.code == .connectionRefused)
      #expect(error.attempts == 4)
      #expect(error.curlCode == 7)
      #expect(error.category == .unreachable)
    }
  }

  @Test("connect timeout") func connectTimeout() async throws {
    // Accepts TCP connections (the kernel does) but never answers the TLS handshake.
    let listener = try SilentListener()
    let client = try makeTestClient {
      $0.connectTimeout = .milliseconds(300)
      $0.retry = .none
    }
    let start = ContinuousClock.now
    do {
      _ = try await client.get("https://127.0.0.1:\(listener.port)/")
      Issue.record("the handshake cannot have completed")
    } catch {
      #expect(error.code == .timedOut)
      #expect(error.message.contains("connect"))
    }
    // The bound tells the 300 ms connect timeout from libcurl's default of 300 s; it is far above 300 ms
    // because on two busy cores running the whole suite a task can wait tens of seconds to be resumed.
    #expect(secondsSince(start) < 120)
  }

  @Test("total timeout is not retried") func totalTimeoutIsNotRetried() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    var request = HTTPRequest(url: server.url("/slow?delay=300"))
    request.timeout = .milliseconds(500)
    let start = ContinuousClock.now
    do {
      _ = try await client.execute(request)
      Issue.record("a 300 s response beat a 0.5 s timeout")
    } catch {
      #expect(error.code == .timedOut)
      #expect(error.attempts == 1)
    }
    // Tells "the timeout ended the request" from "the response did" (300 s); load delays the former.
    #expect(secondsSince(start) < 120)
  }

  @Test("cancellation aborts the transfer") func cancellationAbortsTheTransfer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let start = ContinuousClock.now
    let task = Task { try await client.get(server.url("/slow?delay=300")) }
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    do {
      _ = try await task.value
      Issue.record("the cancelled request completed")
    } catch let error as HTTPError {
      #expect(error.code == .cancelled)
    }
    // Tells "cancelling ended the request" from "the response did" (300 s); load delays the former.
    #expect(secondsSince(start) < 120)

    let early = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await client.get(server.url("/slow?delay=300"))
    }
    await #expect(throws: HTTPError.self) { try await early.value }
    // The client still works afterwards.
    #expect(try await client.get(server.url("/echo")).status == 200)
  }

  @Test("many concurrent requests on one thread") func manyConcurrentRequestsOnOneThread() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let paths = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
      for index in 0..<64 {
        group.addTask {
          let response = try await client.get(server.url("/echo?i=\(index)"))
          return (response.status, try JSONValue(parsing: response.body)["path"]?.stringValue)
        }
      }
      return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
    }
    #expect(paths.count == 64)
    #expect(paths.allSatisfy { $0.0 == 200 })
    #expect(Set(paths.compactMap(\.1)) == Set((0..<64).map { "/echo?i=\($0)" }))
    #expect(client.threadsUsed == 1)
    #expect(HTTPClient.threadsRunning >= 1)
  }

  @Test("shutdown refuses requests") func shutdownRefusesRequests() async throws {
    let client = try makeTestClient()
    client.shutdown()
    do {
      _ = try await client.get("http://127.0.0.1:9/")
      Issue.record("a shut-down client sent a request")
    } catch {
      #expect(error.code == .cancelled)
    }
  }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts or answers.
final class SilentListener {
  let fd: Int32
  let port: Int

  init() throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, listen(fd, 16) == 0 else {
      close(fd)
      throw TestSetupError("cannot listen on 127.0.0.1")
    }
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    self.fd = fd
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  deinit { close(fd) }
}
