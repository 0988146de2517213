import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite struct HTTPClientStreamingTests {
  /// How long the server holds a `/stream?hold=` response after chunk-0. Only a broken client waits it
  /// out; it is long because a test task can wait tens of seconds for a thread when the whole suite runs
  /// on two busy cores, and the test must act (query, release, hang up) within it.
  static let hold = 120

  // The server sends chunk-0 and then holds the rest back until the test releases it (or `hold` passes):
  // a client that waited for the whole body would get chunk-0 only after that hold, so the order of events
  // proves streaming, whatever the machine's load.
  @Test("chunks arrive before the response ends") func chunksArriveBeforeTheResponseEnds() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let key = UUID().uuidString
    let response = try await client.stream(
      HTTPRequest(url: server.url("/stream?key=\(key)&chunks=3&hold=\(Self.hold)")))
    #expect(response.status == 200)
    #expect(response.headers["Transfer-Encoding"] == "chunked")
    var chunks = response.body.makeAsyncIterator()
    let first = try await chunks.next().map { String(decoding: $0, as: UTF8.self) }
    #expect(first == "chunk-0\n")
    let state = try await server.counter(key, client: client).stream
    #expect(state == "holding", "chunk-0 reached the caller only when the server was \(state)")
    try await server.release(key, client: client)
    var rest = ""
    while let chunk = try await chunks.next() { rest += String(decoding: chunk, as: UTF8.self) }
    #expect(rest == "chunk-1\nchunk-2\n")
    #expect(try await server.settledStreamState(key, client: client) == "completed")
  }

  @Test("the stream outlives its client") func theStreamOutlivesItsClient() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let response = try await makeTestClient().stream(HTTPRequest(url: server.url("/stream?chunks=3&delay=0.2")))
    var text = ""
    for try await chunk in response.body { text += String(decoding: chunk, as: UTF8.self) }
    #expect(text == "chunk-0\nchunk-1\nchunk-2\n")
  }

  // In the two abort tests the server sends chunk-0 and then waits up to `hold` for the client to hang up
  // ("aborted") before it would send the rest ("completed-unreleased"): nothing races a timer.
  @Test("leaving the stream aborts the transfer") func leavingTheStreamAbortsTheTransfer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let key = UUID().uuidString
    // Leave the loop and drop the response: its body stream goes away.
    do {
      let response = try await client.stream(
        HTTPRequest(url: server.url("/stream?key=\(key)&chunks=3&hold=\(Self.hold)")))
      for try await chunk in response.body {
        #expect(String(decoding: chunk, as: UTF8.self).hasPrefix("chunk-0"))
        break
      }
    }
    #expect(try await server.settledStreamState(key, client: client) == "aborted")
  }

  @Test("cancelling the consumer aborts the transfer") func cancellingTheConsumerAbortsTheTransfer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    let key = UUID().uuidString
    let response = try await client.stream(
      HTTPRequest(url: server.url("/stream?key=\(key)&chunks=3&hold=\(Self.hold)")))
    let (firstChunk, gotFirst) = AsyncStream<Void>.makeStream()
    let consumer = Task {
      defer { gotFirst.finish() }
      var count = 0
      for try await _ in response.body {
        count += 1
        gotFirst.yield()
      }
      return count
    }
    // Cancel while the consumer waits for the held-back second chunk.
    for await _ in firstChunk { break }
    consumer.cancel()
    let received = try? await consumer.value
    #expect(received == nil || received == 1, "the consumer got \(received ?? -1) chunks")
    #expect(try await server.settledStreamState(key, client: client) == "aborted")
  }

  @Test("stream errors before headers throw") func streamErrorsBeforeHeadersThrow() async throws {
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
  @Test("environment proxy in either case") func environmentProxyInEitherCase() async throws {
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

  @Test("no proxy bypasses an unreachable proxy") func noProxyBypassesAnUnreachableProxy() async throws {
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
