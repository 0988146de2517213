import Foundation
import ServestackCore
import TestSupport
import Testing
import YAML

@Suite struct YAMLParserTests {
  @Test("multi document stream skips empty documents") func multiDocumentStreamSkipsEmptyDocuments() throws {
    let documents = try YAMLParser.parseDocuments(
      """
      # only a comment
      ---
      ---
      # another comment
      ---
      kind: A
      ---
      ~
      ---
      kind: B
      ...
      ---
      - 1
      """)
    #expect(documents == [["kind": "A"], ["kind": "B"], [1]])
    #expect(try YAMLParser.parseDocuments("") == [])
    #expect(try YAMLParser.parseDocuments("# nothing\n") == [])
  }

  @Test("parse document wants exactly one") func parseDocumentWantsExactlyOne() throws {
    #expect(try YAMLParser.parseDocument("---\na: 1\n---\n") == ["a": 1])
    for text in ["", "a: 1\n---\nb: 2\n"] {
      do {
        _ = try YAMLParser.parseDocument(text)
        Issue.record("expected an error for \(text.debugDescription)")
      } catch {
        #expect(error.code == .document)
      }
    }
  }

  @Test("key order and duplicate keys") func keyOrderAndDuplicateKeys() throws {
    let value = try YAMLParser.parseDocument("z: 1\na: 2\nm: 3\na: 4\n")
    #expect(value.objectValue.map { Array($0.keys) } == ["z", "a", "m"])
    #expect(value["a"] == 4)
  }

  @Test("aliases are copies") func aliasesAreCopies() throws {
    let value = try YAMLParser.parseDocument(
      """
      base: &base
        image: nginx
        ports: [80, 443]
      copy: *base
      list:
      - &one 1
      - *one
      """)
    #expect(value["copy"] == value["base"])
    #expect(value["list"] == [1, 1])
  }

  @Test("merge keys follow py YAML") func mergeKeysFollowPyYAML() throws {
    let value = try YAMLParser.parseDocument(
      """
      b: &b {x: 1, y: 2}
      c: &c {y: 3, z: 4}
      single:
        <<: *b
        y: 20
      list:
        w: 0
        <<: [*b, *c]
        x: 9
      quoted:
        "<<": *b
      """)
    #expect(value["single"] == ["x": 1, "y": 20])
    // PyYAML: merged pairs (c's then b's: the first listed wins) before the mapping's own; order by first sight.
    #expect(value["list"] == ["y": 2, "z": 4, "x": 9, "w": 0])
    #expect(value["quoted"] == ["<<": ["x": 1, "y": 2]])
  }

  @Test("bad merge and undefined alias are errors") func badMergeAndUndefinedAliasAreErrors() {
    let cases: [(String, YAMLError.Code)] = [
      ("a:\n  <<: 1\n", .composer),
      ("a:\n  <<: [1]\n", .composer),
      ("a: *nowhere\n", .alias),
      ("a: &x [1, *x]\n", .alias),
      ("? [1, 2]\n: a\n", .composer),
    ]
    for (text, code) in cases {
      do {
        _ = try YAMLParser.parseDocuments(text)
        Issue.record("expected an error for \(text.debugDescription)")
      } catch {
        #expect(error.code == code, "\(text.debugDescription): \(error)")
        #expect(error.line >= 1)
      }
    }
  }

  @Test("anchors do not cross documents") func anchorsDoNotCrossDocuments() {
    #expect(throws: YAMLError.self) { try YAMLParser.parseDocuments("a: &x 1\n---\nb: *x\n") }
  }

  @Test("billion laughs is refused") func billionLaughsIsRefused() {
    var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in 1...9 {
      let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
      text += "a\(i): &a\(i) [\(refs)]\n"
    }
    do {
      _ = try YAMLParser.parseDocuments(text)
      Issue.record("expected the alias limit to stop a billion laughs")
    } catch {
      #expect(error.code == .limit)
      #expect(error.line > 1)
    }
    // The same shape, shallow enough, is fine.
    #expect(throws: Never.self) {
      try YAMLParser.parseDocuments(text.split(separator: "\n").prefix(4).joined(separator: "\n"))
    }
  }

  @Test("depth is limited") func depthIsLimited() throws {
    let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    do {
      _ = try YAMLParser.parseDocuments(deep)
      Issue.record("expected the depth limit")
    } catch {
      #expect(error.code == .limit)
    }
    let options = YAMLParser.Options(maximumDepth: 700)
    #expect(try YAMLParser.parseDocuments(deep, options: options).count == 1)
  }

  @Test("syntax errors carry positions") func syntaxErrorsCarryPositions() {
    let cases: [(String, YAMLError.Code, Int, Int, String)] = [
      // Bad indentation: a value where only a key may be.
      ("a: 1\nb:\n  c: 2\n d: 3\n", .parser, 4, 2, "did not find expected key"),
      // An unclosed quote.
      ("a: 1\nb: \"open\nc: 3\n", .scanner, 4, 1, "found unexpected end of stream"),
      // A tab used for indentation.
      ("a:\n\tb: 1\n", .scanner, 2, 1, "found character that cannot start any token"),
      ("a: b: c\n", .scanner, 1, 5, "mapping values are not allowed in this context"),
    ]
    for (text, code, line, column, problem) in cases {
      do {
        _ = try YAMLParser.parseDocuments(text, file: "phases/10-x.yaml")
        Issue.record("expected an error for \(text.debugDescription)")
      } catch {
        #expect(error.code == code, "\(text.debugDescription): \(error)")
        #expect(error.line == line && error.column == column, "\(text.debugDescription): \(error)")
        #expect(error.description.hasPrefix("phases/10-x.yaml:\(line):\(column): \(problem)"), "\(error)")
        #expect(error.category == .input)
      }
    }
  }

  @Test("invalid UTF8 is a reader error") func invalidUTF8IsAReaderError() {
    do {
      _ = try YAMLParser.parseDocuments([UInt8]("a: 1\nb: ".utf8) + [0xFF, 0x0A])
      Issue.record("expected an error")
    } catch {
      #expect(error.code == .reader)
      #expect(error.line == 2)
    }
  }

  @Test("located documents point at keys") func locatedDocumentsPointAtKeys() throws {
    let text = """
      # leading comment
      kind: First
      ---
      kind: Phase
      defaults: &d
        timeout: 5m
      spec:
        <<: *d
        steps:
        - name: one
        - name: two
          wait: true
      """
    let documents = try YAMLParser.parseLocatedDocuments(text, file: "phases/10-x.yaml")
    #expect(documents.count == 2)
    #expect(documents.map(\.line) == [2, 3])
    #expect(documents[1].file == "phases/10-x.yaml")
    let phase = documents[1]
    #expect(phase.location(of: []) == YAMLMark(line: 4, column: 1))
    #expect(phase.location(of: ["spec"]) == YAMLMark(line: 7, column: 1))
    #expect(phase.location(of: ["spec", "steps", "1", "wait"]) == YAMLMark(line: 12, column: 5))
    // A mapping item starts at its first key.
    #expect(phase.location(of: ["spec", "steps", "1"]) == YAMLMark(line: 11, column: 5))
    // A merged member points into the mapping it came from.
    #expect(phase.location(of: ["spec", "timeout"]) == YAMLMark(line: 6, column: 3))
    #expect(phase.location(of: ["spec", "missing"]) == nil)
    #expect(phase.location(of: ["spec", "steps", "7"]) == nil)
    #expect(documents[0].location(of: ["kind"]) == YAMLMark(line: 2, column: 1))
  }

  @Test("reads files and names them in errors") func readsFilesAndNamesThemInErrors() throws {
    let dir = try TemporaryDirectory()
    let good = try dir.write("ok.yaml", "a: 1\n---\nb: [x]\n")
    let documents = try YAMLParser.readDocuments(atPath: good.path)
    #expect(documents.map(\.value) == [["a": 1], ["b": ["x"]]])
    let bad = try dir.write("bad.yaml", "a: 1\n  b: 2\n")
    do {
      _ = try YAMLParser.readDocuments(atPath: bad.path)
      Issue.record("expected an error")
    } catch {
      #expect(error.file == bad.path)
      #expect(error.description.hasPrefix("\(bad.path):2:"))
    }
    do {
      _ = try YAMLParser.readDocuments(atPath: dir.file("missing.yaml").path)
      Issue.record("expected an error")
    } catch {
      #expect(error.code == .io)
    }
  }

  @Test("string and byte inputs agree") func stringAndByteInputsAgree() throws {
    let text = "a: é\nb: [1, 2.5, ~]\n"
    #expect(try YAMLParser.parseDocuments(text) == YAMLParser.parseDocuments(Array(text.utf8)))
    #expect(try YAMLParser.parseDocuments(text) == YAMLParser.parseDocuments(Data(text.utf8)))
    #expect(try YAMLParser.parseDocument(text) == ["a": "é", "b": [1, 2.5, nil]])
  }
}
