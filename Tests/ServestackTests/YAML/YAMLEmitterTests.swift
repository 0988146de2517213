import ServestackCore
import Testing
import YAML

@Suite struct YAMLEmitterTests {
  @Test("quotes strings that would be retyped") func quotesStringsThatWouldBeRetyped() throws {
    let risky: [String] = [
      "true", "False", "yes", "off", "y", "N", "1", "-2", "0x1F", "017", "1:20", "1.5", ".inf", "null", "~", "",
      "<<", "=", "2024-01-02", "1e3", "0o17", " leading", "trailing ", "a: b", "# comment", "x #y", "- item",
      "[flow]", "{flow}", "*alias", "&anchor", "!tag", "%directive", "@at", "`tick", "'single'", "\"double\"",
      "tab\there", "ünïcödé", "---", "...",
    ]
    for string in risky {
      let text = try YAMLEmitter.emit(["k": .string(string)])
      let back = try YAMLParser.parseDocument(text)
      #expect(back == ["k": .string(string)], "\(string.debugDescription) emitted as \(text.debugDescription)")
    }
    #expect(try YAMLEmitter.emit(["k": "true"]) == "k: \"true\"\n")
    #expect(try YAMLEmitter.emit(["k": "1"]) == "k: \"1\"\n")
    #expect(try YAMLEmitter.emit(["k": ""]) == "k: \"\"\n")
    #expect(try YAMLEmitter.emit(["k": "y"]) == "k: \"y\"\n")
    #expect(try YAMLEmitter.emit(["k": "plain text"]) == "k: plain text\n")
    #expect(try YAMLEmitter.emit(["1": "x"]) == "\"1\": x\n")
  }

  @Test("scalars of each type") func scalarsOfEachType() throws {
    let value: JSONValue = [
      "null": nil, "bool": false, "int": -42, "double": 1.0, "big": 1e16, "small": 0.00001, "inf": .double(.infinity),
    ]
    let text = try YAMLEmitter.emit(value)
    #expect(text == "\"null\": null\nbool: false\nint: -42\ndouble: 1.0\nbig: 1.0e+16\nsmall: 1.0e-05\ninf: .inf\n")
    #expect(try YAMLParser.parseDocument(text) == value)
  }

  @Test("multi line strings are literal blocks") func multiLineStringsAreLiteralBlocks() throws {
    let value: JSONValue = ["script": "set -e\necho hi\n", "noEnd": "a\nb", "trailing": "x  \ny\n"]
    let text = try YAMLEmitter.emit(value)
    #expect(text.contains("script: |\n  set -e\n  echo hi\n"))
    #expect(text.contains("noEnd: |-\n  a\n  b\n"))
    #expect(try YAMLParser.parseDocument(text) == value)
  }

  @Test("block style and documents") func blockStyleAndDocuments() throws {
    let documents: [JSONValue] = [
      [
        "apiVersion": "v1", "kind": "ConfigMap", "data": ["a": "1"], "list": [["name": "x"], 2], "empty": [:],
        "none": [],
      ],
      ["second": true],
    ]
    let text = try YAMLEmitter.emit(documents)
    #expect(
      text == """
        apiVersion: v1
        kind: ConfigMap
        data:
          a: "1"
        list:
        - name: x
        - 2
        empty: {}
        none: []
        ---
        second: true

        """)
    #expect(try YAMLParser.parseDocuments(text) == documents)
    #expect(try YAMLEmitter.emit([]) == "")
  }
}
