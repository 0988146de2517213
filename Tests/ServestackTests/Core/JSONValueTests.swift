import ServestackCore
import Testing

@Suite struct JSONValueTests {
  @Test("parses and keeps key order") func parsesAndKeepsKeyOrder() throws {
    let value = try JSONValue(parsing: #"{"b": 1, "a": [true, null, 2.5, "x\u00e9\n"], "c": {}}"#)
    #expect(value.objectValue.map { Array($0.keys) } == ["b", "a", "c"])
    #expect(value["a"] == [true, nil, 2.5, "xé\n"])
    #expect(value.serialized() == #"{"b":1,"a":[true,null,2.5,"xé\n"],"c":{}}"#)
  }

  @Test("rejects bad JSON with position") func rejectsBadJSONWithPosition() {
    #expect(throws: JSONError.self) { try JSONValue(parsing: "{\"a\": [1, 2,]}") }
    do {
      _ = try JSONValue(parsing: "{\n  \"a\": tru\n}")
      Issue.record("expected an error")
    } catch {
      #expect(error.line == 2)
    }
  }

  @Test("surrogate pairs and numbers") func surrogatePairsAndNumbers() throws {
    #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == "😀")
    #expect(try JSONValue(parsing: "-12") == .int(-12))
    #expect(try JSONValue(parsing: "1e3") == .double(1000))
    #expect(try JSONValue(parsing: "1.0").serialized() == "1.0")
  }

  @Test("semantic equality ignores key order") func semanticEqualityIgnoresKeyOrder() throws {
    let a = try JSONValue(parsing: #"{"x": 1, "y": {"p": [1, 2]}}"#)
    let b = try JSONValue(parsing: #"{"y": {"p": [1.0, 2]}, "x": 1}"#)
    #expect(a != b)
    #expect(a.semanticallyEquals(b))
  }

  @Test("digest validation") func digestValidation() throws {
    let digest = Digest.sha256("abc")
    #expect(digest.description == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(try Digest(digest.description) == digest)
    #expect(throws: ValueError.self) { try Digest("sha256:ABC") }
    #expect(throws: ValueError.self) { try Digest("md5:abc") }
  }

  @Test("secrets do not print") func secretsDoNotPrint() {
    let secret = Secret("hunter2")
    #expect("\(secret)" == "<redacted>")
    #expect(String(reflecting: secret) == "<redacted>")
  }
}
