import Foundation
import HTTP
import ServestackCore
import TestSupport
import Testing

@Suite struct HTTPClientBasicTests {
  @Test("every method with headers both ways") func everyMethodWithHeadersBothWays() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    for method in [HTTPMethod.get, .post, .put, .patch, .delete] {
      var request = HTTPRequest(method: method, url: server.url("/echo"), headers: ["X-Test": "value-\(method)"])
      if method != .get { request.body = .text("{\"m\":\"\(method)\"}") }
      let response = try await client.execute(request)
      #expect(response.status == 200)
      #expect(response.headers["x-echo-method"] == method.rawValue)
      #expect(response.headers.values(for: "X-Multi") == ["one", "two"])
      #expect(response.httpVersion == "1.1")
      #expect(response.attempts == 1)
      let json = try JSONValue(parsing: response.body)
      #expect(json["method"]?.stringValue == method.rawValue)
      let sent = json["headers"]?.arrayValue ?? []
      #expect(sent.contains(["X-Test", .string("value-\(method)")]))
      #expect(sent.contains(["User-Agent", .string("servestack/\(ToolInfo.version)")]))
      if method != .get {
        #expect(json["body"]?.stringValue == "{\"m\":\"\(method)\"}")
        #expect(json["body_sha256"]?.stringValue == Digest.sha256("{\"m\":\"\(method)\"}").hex)
      }
      #expect(response.bodyDigest == Digest.sha256(response.body))
    }
    let head = try await client.execute(HTTPRequest(method: .head, url: server.url("/bytes?size=5000")))
    #expect(head.status == 200)
    #expect(head.body.isEmpty)
    #expect(head.headers["Content-Length"] == "5000")
    let post = try await client.execute(HTTPRequest(method: .post, url: server.url("/echo")))
    let postJSON = try JSONValue(parsing: post.body)
    #expect(postJSON["body_length"]?.intValue == 0)
    let postHeaders = postJSON["headers"]?.arrayValue ?? []
    #expect(postHeaders.contains(["Content-Length", "0"]))
  }

  @Test("error statuses are responses") func errorStatusesAreResponses() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    for status in [400, 404, 409, 500] {
      let response = try await client.get(server.url("/status/\(status)"))
      #expect(response.status == status)
      #expect(!response.isSuccess)
      #expect(response.text.contains("\(status)"))
    }
  }

  @Test("streamed file upload is checked by the server") func streamedFileUploadIsCheckedByTheServer() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let directory = try TemporaryDirectory()
    let file = directory.file("upload.bin")
    // 50 MiB: one 1 MiB block, its first byte changed per piece so that pieces differ.
    let expected = try await BlockingExecutor.shared.run { () throws -> Digest in
      _ = FileManager.default.createFile(atPath: file.path, contents: nil)
      let handle = try FileHandle(forWritingTo: file)
      var block = [UInt8](repeating: 0, count: 1 << 20)
      for index in block.indices { block[index] = UInt8(truncatingIfNeeded: index &* 13) }
      var hasher = SHA256Stream()
      for piece in 0..<50 {
        block[0] = UInt8(piece)
        hasher.update(block)
        try handle.write(contentsOf: block)
      }
      try handle.close()
      return hasher.finalize()
    }
    let client = try makeTestClient()
    let progress = ProgressLog()
    var request = HTTPRequest(method: .put, url: server.url("/upload"), body: .file(file))
    request.progress = { progress.record($0) }
    let response = try await client.execute(request)
    #expect(response.status == 200)
    let json = try JSONValue(parsing: response.body)
    #expect(json["length"]?.intValue == 50 << 20)
    #expect(json["sha256"]?.stringValue == expected.hex)
    #expect(progress.last?.bytesSent == Int64(50 << 20))
    #expect(progress.last?.totalToSend == Int64(50 << 20))

    // A range of the same file, by POST.
    let range = try await client.execute(
      HTTPRequest(method: .post, url: server.url("/upload"), body: .fileRange(file, offset: 1000, length: 4096)))
    let rangeJSON = try JSONValue(parsing: range.body)
    let data = try Data(contentsOf: file)
    #expect(rangeJSON["length"]?.intValue == 4096)
    #expect(rangeJSON["sha256"]?.stringValue == Digest.sha256(Array(data[1000..<5096])).hex)
  }

  @Test("download to file computes the digest") func downloadToFileComputesTheDigest() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let directory = try TemporaryDirectory()
    let target = directory.file("download.bin")
    try Data("stale content that must be truncated".utf8).write(to: target)
    let client = try makeTestClient()
    let size = 20 << 20 + 123
    var request = HTTPRequest(url: server.url("/bytes?size=\(size)&seed=5"))
    request.destination = .file(target)
    request.expectedDigest = expectedPatternDigest(size: size, seed: 5)
    let response = try await client.execute(request)
    #expect(response.status == 200)
    #expect(response.body.isEmpty)
    #expect(response.bodyLength == Int64(size))
    #expect(response.bodyDigest?.hex == response.headers["X-Body-SHA256"])
    let onDisk = try Data(contentsOf: target)
    #expect(onDisk.count == size)
    #expect(Digest.sha256(onDisk) == response.bodyDigest)

    var wrong = request
    wrong.expectedDigest = Digest.sha256("something else")
    do {
      _ = try await client.execute(wrong)
      Issue.record("a digest mismatch was not reported")
    } catch {
      #expect(error.code == .digestMismatch)
    }
  }

  @Test("memory limit exceeded") func memoryLimitExceeded() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient()
    var request = HTTPRequest(url: server.url("/bytes?size=100000"))
    request.destination = .memory(limit: 1000)
    do {
      _ = try await client.execute(request)
      Issue.record("the limit was not enforced")
    } catch {
      #expect(error.code == .bodyTooLarge)
      #expect(error.message.contains("1000"))
    }
    request.destination = .memory(limit: 100_000)
    let response = try await client.execute(request)
    #expect(response.body.count == 100_000)
    #expect(response.bodyDigest == expectedPatternDigest(size: 100_000, seed: 0))
  }

  @Test("bearer and basic authorization") func bearerAndBasicAuthorization() async throws {
    let server = try await HTTPTestServer.start()
    defer { server.stop() }
    let client = try makeTestClient { $0.authorization = .bearer(Secret("client-token")) }
    #expect(try await client.get(server.url("/auth/bearer?token=client-token")).status == 200)
    #expect(try await client.get(server.url("/auth/bearer?token=other")).status == 401)
    var request = HTTPRequest(url: server.url("/auth/basic?user=alice&pass=s3cr%3At"))
    request.authorization = .basic(username: "alice", password: Secret("s3cr:t"))
    #expect(try await client.execute(request).status == 200)
    request.authorization = .basic(username: "alice", password: Secret("wrong"))
    #expect(try await client.execute(request).status == 401)
  }

  @Test("redirects keep credentials only for the same host") func redirectsKeepCredentialsOnlyForTheSameHost()
    async throws
  {
    let first = try await HTTPTestServer.start()
    let second = try await HTTPTestServer.start()
    defer {
      first.stop()
      second.stop()
    }
    let client = try makeTestClient { $0.authorization = .bearer(Secret("tok")) }
    func authorizationSeen(_ body: [UInt8]) throws -> String? {
      let pairs = try JSONValue(parsing: body)["headers"]?.arrayValue ?? []
      return pairs.first { $0[0]?.stringValue?.lowercased() == "authorization" }?[1]?.stringValue
    }
    // Not followed by default.
    let unfollowed = try await client.get(first.url("/redirect?to=/echo"))
    #expect(unfollowed.status == 302)
    #expect(unfollowed.headers["Location"] == "/echo")

    var same = HTTPRequest(url: first.url("/redirect?to=/echo"))
    same.followRedirects = true
    let sameResponse = try await client.execute(same)
    #expect(sameResponse.status == 200)
    #expect(sameResponse.url == first.url("/echo"))
    #expect(try authorizationSeen(sameResponse.body) == "Bearer tok")

    let target = second.url("/echo").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    var other = HTTPRequest(url: first.url("/redirect?to=\(target)"))
    other.followRedirects = true
    let otherResponse = try await client.execute(other)
    #expect(otherResponse.status == 200)
    #expect(otherResponse.url == second.url("/echo"))
    // Only the final response's headers.
    #expect(otherResponse.headers["Location"] == nil)
    #expect(try authorizationSeen(otherResponse.body) == nil)
  }
}

/// Progress reports, collected from the transfer thread.
final class ProgressLog: @unchecked Sendable {
  // @unchecked Sendable: `entries` is only touched with `lock` held.
  private let lock = NSLock()
  private var entries: [HTTPProgress] = []
  func record(_ progress: HTTPProgress) { lock.withLock { entries.append(progress) } }
  var last: HTTPProgress? { lock.withLock { entries.last } }
}
