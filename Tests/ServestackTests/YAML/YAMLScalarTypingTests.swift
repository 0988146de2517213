import ServestackCore
import Testing
import YAML

/// Plain-scalar typing, checked against what PyYAML's SafeLoader gives (timestamps aside, and y/n).
@Suite struct YAMLScalarTypingTests {
  /// `k: <plain>` → the value PyYAML 6 (SafeLoader, timestamp resolver removed) produces.
  static let table: [(String, JSONValue)] = [
    ("~", nil), ("null", nil), ("Null", nil), ("NULL", nil), ("", nil), ("nULL", "nULL"),
    ("yes", true), ("Yes", true), ("YES", true), ("yEs", "yEs"), ("no", false), ("NO", false),
    ("true", true), ("True", true), ("TRUE", true), ("tRUE", "tRUE"), ("false", false), ("FALSE", false),
    ("on", true), ("On", true), ("ON", true), ("off", false), ("Off", false), ("OFF", false),
    ("0", 0), ("-0", 0), ("+12", 12), ("1_000", 1000), ("1__0", 10), ("0_", 0), ("00", 0),
    ("0b1010", 10), ("-0b11", -3), ("0x1F", 31), ("0xff_ff", 65535), ("017", 15), ("-017", -15),
    ("09", "09"), ("0o17", "0o17"), ("0x", "0x"), ("0b", "0b"), ("_1", "_1"),
    ("1:20", 80), ("-1:20:30", -4830), ("190:20:30", 685230), ("1_:20", 80), ("0:20", "0:20"), ("1:60", "1:60"),
    ("9223372036854775807", .int(Int.max)),
    ("1.5", 1.5), ("-1.5", -1.5), ("1.", 1.0), ("0.0", 0.0), ("6.8523015e+5", 685230.15),
    ("685.230_15e+03", 685230.15), ("1.5E-3", 0.0015), ("1_000.5", 1000.5), (".5", 0.5), ("1:20.5", 80.5),
    ("1e5", "1e5"), ("1.0e5", "1.0e5"), ("1.5e3", "1.5e3"), ("12e03", "12e03"), ("-.5", "-.5"),
    ("1.2.3", "1.2.3"), ("3.14abc", "3.14abc"), ("+", "+"), (".", "."),
    ("+.inf", .double(.infinity)), ("-.Inf", .double(-.infinity)), (".INF", .double(.infinity)),
    (".Nan", ".Nan"), ("-.nan", "-.nan"),
    // Kept as strings on purpose (PyYAML makes dates of them; Kubernetes tooling keeps the text).
    ("2001-12-14", "2001-12-14"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("plain words", "plain words"), ("nope", "nope"), ("offset", "offset"), ("=", "="),
  ]

  @Test("plain scalar", arguments: table)
  func plainScalar(_ text: String, _ expected: JSONValue) throws {
    let value = try YAMLParser.parseDocument("k: \(text)\n")
    #expect(value["k"] == expected, "k: \(text)")
  }

  @Test("not a number") func notANumber() throws {
    for text in [".nan", ".NaN", ".NAN"] {
      let value = try YAMLParser.parseDocument("k: \(text)")
      #expect(value["k"]?.doubleValue?.isNaN == true, "\(text)")
    }
  }

  /// The one intended difference from PyYAML: kubectl (go-yaml v2) reads y/Y/n/N values as booleans. No
  /// upstream fixture has such a value or key, so both readers agree on every real manifest.
  @Test("single letter booleans like kubectl") func singleLetterBooleansLikeKubectl() throws {
    let value = try YAMLParser.parseDocument("a: y\nb: Y\nc: n\nd: N\ne: 'y'\nf: [y, n]\n")
    #expect(value == ["a": true, "b": true, "c": false, "d": false, "e": "y", "f": [true, false]])
    // As keys they stay strings (kubectl would write "true"); `yes` as a key is a boolean, as in PyYAML.
    let keys = try YAMLParser.parseDocument("x: 1\ny: 2\nN: 3\nyes: 4\n")
    #expect(keys.objectValue.map { Array($0.keys) } == ["x", "y", "N", "true"])
  }

  @Test("quoted and block scalars stay strings") func quotedAndBlockScalarsStayStrings() throws {
    let value = try YAMLParser.parseDocument(
      """
      a: 'true'
      b: "1"
      c: 'null'
      d: ""
      e: "1.5"
      f: |
        1
      g: >-
        yes
      h: '~'
      """)
    #expect(value == ["a": "true", "b": "1", "c": "null", "d": "", "e": "1.5", "f": "1\n", "g": "yes", "h": "~"])
  }

  @Test("block literal and folded") func blockLiteralAndFolded() throws {
    let value = try YAMLParser.parseDocument(
      """
      literal: |
        line one
          indented
        line three
      strip: |-
        no newline
      keep: |+
        kept

      folded: >
        folded
        into one

        paragraph two

      """)
    #expect(value["literal"] == "line one\n  indented\nline three\n")
    #expect(value["strip"] == "no newline")
    #expect(value["keep"] == "kept\n\n")
    #expect(value["folded"] == "folded into one\nparagraph two\n")
  }

  @Test("tags") func tags() throws {
    let value = try YAMLParser.parseDocument(
      """
      str: !!str 1
      int: !!int "12"
      hex: !!int "0x10"
      float: !!float 1
      bool: !!bool "Yes"
      null: !!null anything
      binary: !!binary aGVsbG8=
      nonspecific: ! 12
      local: !thing 12
      localQuoted: !thing "12"
      map: !!map {a: 1}
      seq: !!seq [1]
      """)
    #expect(
      value == [
        "str": "1", "int": 12, "hex": 16, "float": 1.0, "bool": true, "null": nil, "binary": "aGVsbG8=",
        "nonspecific": 12, "local": 12, "localQuoted": "12", "map": ["a": 1], "seq": [1],
      ])
  }

  @Test("bad tagged value is an error") func badTaggedValueIsAnError() {
    #expect(throws: YAMLError.self) { try YAMLParser.parseDocument("a: !!int abc") }
    do {
      _ = try YAMLParser.parseDocument("a: 1\nb: !!bool maybe\n")
      Issue.record("expected an error")
    } catch {
      #expect(error.code == .constructor)
      #expect(error.line == 2)
    }
  }

  @Test("non string keys as JSON dumps writes them") func nonStringKeysAsJSONDumpsWritesThem() throws {
    let value = try YAMLParser.parseDocument(
      "1.0e+16: a\n0.00001: b\n1e16: c\n1: d\ntrue: e\n~: f\n100.0: g\n0x10: h\n")
    #expect(value.objectValue.map { Array($0.keys) } == ["1e+16", "1e-05", "1e16", "1", "true", "null", "100.0", "16"])
  }

  @Test("huge integers become doubles") func hugeIntegersBecomeDoubles() throws {
    let value = try YAMLParser.parseDocument("a: 9223372036854775808\nb: -9223372036854775807")
    #expect(value["a"] == .double(9_223_372_036_854_775_808))
    #expect(value["b"] == .int(-9_223_372_036_854_775_807))
  }
}
