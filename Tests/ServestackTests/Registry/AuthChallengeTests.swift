import ServestackCore
import Testing

@testable import Registry

@Suite("Registry auth challenges and scopes")
struct AuthChallengeTests {
  @Test("parses Bearer and Basic challenges")
  func parse() throws {
    let bearer = try #require(
      AuthChallenge.parse([
        #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#
      ]))
    #expect(bearer.scheme == "bearer")
    #expect(bearer.parameters["realm"] == "https://auth.example/token")
    #expect(bearer.parameters["service"] == "registry.example")
    #expect(bearer.parameters["scope"] == "repository:a/b:pull,push")
    let basic = try #require(AuthChallenge.parse([#"Basic realm="servestack-test""#]))
    #expect(basic.scheme == "basic")
    #expect(basic.parameters["realm"] == "servestack-test")
    // Bearer wins when both are offered; unknown schemes are ignored.
    #expect(AuthChallenge.parse([#"Basic realm="x""#, #"Bearer realm="https://t""#])?.scheme == "bearer")
    #expect(AuthChallenge.parse(["Negotiate"]) == nil)
    #expect(AuthChallenge.parseOne(#"Bearer realm="a\"b", error="insufficient_scope""#)?.parameters["realm"] == #"a"b"#)
  }

  @Test("scopes for pull, push and cross-repository mount")
  func scopes() {
    #expect(AuthScope.pull("demo/app").description == "repository:demo/app:pull")
    #expect(AuthScope.push("demo/app").description == "repository:demo/app:pull,push")
    #expect(
      AuthScope.mount("demo/b", from: "demo/a").parameters == ["repository:demo/b:pull,push", "repository:demo/a:pull"])
    #expect(
      RegistryClient.mergeScopes(AuthScope.mount("b", from: "a").parameters, "repository:b:push,pull repository:c:pull")
        == ["repository:b:pull,push", "repository:a:pull", "repository:c:pull"])
    #expect(RegistryClient.mergeScopes(["repository:a:pull"], "repository:a:push") == ["repository:a:pull,push"])
  }

  @Test("upload bookkeeping: Range headers and digest parameters")
  func uploads() {
    #expect(RegistryClient.rangeEnd("0-2097151") == 2_097_151)
    #expect(RegistryClient.rangeEnd("bytes=0-99") == 99)
    #expect(RegistryClient.rangeEnd("garbage") == nil)
    #expect(
      RegistryClient.appendingDigest("http://h/v2/x/blobs/uploads/u?_state=s", .sha256("a")).contains(
        "?_state=s&digest=sha256:"))
    #expect(
      RegistryClient.appendingDigest("/v2/x/blobs/uploads/u", .sha256("a")).hasSuffix("/u?digest=\(Digest.sha256("a"))")
    )
  }

  @Test("registry error bodies decode into codes and messages")
  func errors() {
    let body = Array(
      #"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:abc"}]}"#.utf8)
    let error = RegistryError.status(
      400, body: body, registry: "r:5000", repository: "demo/app", what: "pushing manifest v1")
    #expect(error.registryCodes == ["MANIFEST_BLOB_UNKNOWN"])
    #expect(error.httpStatus == 400)
    #expect(error.message.contains("sha256:abc"))
    let unauthorized = RegistryError.status(
      401, body: [], registry: "127.0.0.1:5003", repository: "demo/app", what: "x")
    #expect(
      unauthorized.message.hasPrefix("registry 127.0.0.1:5003 refused the credentials for demo/app (UNAUTHORIZED)"))
    #expect(unauthorized.category == .refused)
    #expect(
      RegistryError.status(404, body: Array("404 page not found".utf8), registry: "r", repository: "a", what: "m").code
        == .notFound)
  }
}
