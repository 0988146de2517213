import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite struct HTTPClientStreamingTests {
  @Test func chunksArriveBeforeTheResponseEnds() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let start = ContinuousClock.now
    let response = try await client.stream(HTTPRequest(url: server.url("/stream?chunks=3&delay=0.6")))
    #expect(response.status == 200)
    #expect(response.headers["Transfer-Encoding"] == "chunked")
    #expect(secondsSince(start) < 0.5, "the headers came only after the body")
    var text = ""
    var firstChunkAt: Double?
    for try await chunk in response.body {
      if firstChunkAt == nil { firstChunkAt = secondsSince(start) }
      text += String(decoding: chunk, as: UTF8.self)
    }
    let total = secondsSince(start)
    #expect(text == "chunk-0\nchunk-1\nchunk-2\n")
    #expect((firstChunkAt ?? 99) < 0.5)
    #expect(total >= 1.1, "the server sleeps twice 0.6 s, the stream ended after \(total)s")
  }

  @Test func theStreamOutlivesItsClient() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let response = try await makeTestClient().stream(HTTPRequest(url: server.url("/stream?chunks=3&delay=0.2")))
    var text = ""
    for try await chunk in response.body { text += String(decoding: chunk, as: UTF8.self) }
    #expect(text == "chunk-0\nchunk-1\nchunk-2\n")
  }

  @Test func leavingTheStreamAbortsTheTransfer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let key = UUID().uuidString
    // Leave the loop and drop the response: its body stream goes away.
    do {
      let response = try await client.stream(HTTPRequest(url: server.url("/stream?key=\(key)&chunks=40&delay=0.1")))
      for try await chunk in response.body {
        #expect(String(decoding: chunk, as: UTF8.self).hasPrefix("chunk-0"))
        break
      }
    }
    // The server notices the closed connection on one of its next writes.
    var state = ""
    for _ in 0..<40 {
      state = try await server.counter(key, client: client).stream
      if state != "started" { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(state == "aborted")
  }

  @Test func cancellingTheConsumerAbortsTheTransfer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let key = UUID().uuidString
    let response = try await client.stream(HTTPRequest(url: server.url("/stream?key=\(key)&chunks=40&delay=0.1")))
    let consumer = Task {
      var count = 0
      for try await _ in response.body { count += 1 }
      return count
    }
    try await Task.sleep(for: .milliseconds(350))
    consumer.cancel()
    _ = try? await consumer.value
    var state = ""
    for _ in 0..<40 {
      state = try await server.counter(key, client: client).stream
      if state != "started" { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(state == "aborted")
  }

  @Test func streamErrorsBeforeHeadersThrow() async throws {
    let client = try makeTestClient { $0.retry = .none }
    do {
      _ = try await client.stream(HTTPRequest(url: "http://127.0.0.1:\(Loopback.freePort())/watch"))
      Issue.record("nothing listens, yet the stream opened")
    } catch {
      #expect(error.code == .connectionRefused)
    }
  }
}

@Suite struct HTTPClientProxyTests {
  @Test func environmentProxyInEitherCase() async throws {
    let server = try await HTTPTestServer.start()
    let proxy = try await HTTPTestServer.start(proxy: true)
    defer {
      server.stop()
      proxy.stop()
    }
    for name in ["HTTP_PROXY", "http_proxy"] {
      let client = try makeTestClient { $0.proxy = .rules(.environment([name: proxy.base])) }
      let response = try await client.get(server.url("/echo"))
      #expect(response.status == 200)
      #expect(try JSONValue(parsing: response.body)["proxied"]?.stringValue == server.url("/echo"), "\(name)")
    }
    let explicit = try makeTestClient { $0.proxy = .url(proxy.base) }
    #expect(try JSONValue(parsing: try await explicit.get(server.url("/echo")).body)["proxied"] != nil)
  }

  @Test func noProxyBypassesAnUnreachableProxy() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let deadProxy = "http://127.0.0.1:\(Loopback.freePort())"
    for (name, list) in [("NO_PROXY", "127.0.0.1"), ("no_proxy", "example.invalid,127.0.0.0/8")] {
      let client = try makeTestClient { $0.proxy = .rules(.environment(["HTTP_PROXY": deadProxy, name: list])) }
      let response = try await client.get(server.url("/echo"))
      #expect(response.status == 200)
      #expect(try JSONValue(parsing: response.body)["method"]?.stringValue == "GET")
    }
    let proxied = try makeTestClient {
      $0.proxy = .rules(.environment(["HTTP_PROXY": deadProxy]))
      $0.retry = .none
    }
    await #expect(throws: HTTPError.self) { try await proxied.get(server.url("/echo")) }
  }
}
