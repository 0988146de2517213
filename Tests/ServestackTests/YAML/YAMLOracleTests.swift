import Foundation
import ServestackCore
import TestSupport
import Testing
import YAML

/// The acceptance test: on every upstream manifest, YAMLParser gives what PyYAML's safe_load_all gives
/// (timestamps kept as strings), and emitting then re-reading any document gives it back.
@Suite struct YAMLOracleTests {
  static var pyyamlAvailable: Bool {
    (try? Shell.run("python3", ["-c", "import yaml"]).status) == 0
  }

  static func fixtureFiles() -> [String] {
    guard let root = TestEnvironment.upstreamFixtures else { return [] }
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    var files: [String] = []
    while let relative = enumerator?.nextObject() as? String {
      if relative.hasSuffix(".yaml") { files.append(relative) }
    }
    return files.sorted()
  }

  @Test(
    "every fixture matches py YAML",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED)"),
    .enabled(if: pyyamlAvailable, "needs python3 with PyYAML"))
  func everyFixtureMatchesPyYAML() async throws {
    let root = try #require(TestEnvironment.upstreamFixtures)
    let resources = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
    let script = resources.appendingPathComponent("YAML/pyyaml_oracle.py")
    let output = try await Shell.runAsync("python3", [script.path, root.path])
    try #require(output.status == 0, "the oracle failed: \(output.stderr)")
    let oracle = try #require(try JSONValue(parsing: output.stdout).objectValue)

    let files = Self.fixtureFiles()
    #expect(files.count >= 37)
    #expect(Array(oracle.keys).sorted() == files)
    for file in files {
      let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(file)))
      let ours = try YAMLParser.parseDocuments(bytes, file: file).map(withMarkedNonFiniteFloats)
      let theirs = oracle[file]?.arrayValue ?? []
      guard ours.count == theirs.count else {
        Issue.record("\(file): \(ours.count) documents, PyYAML has \(theirs.count)")
        continue
      }
      for (index, (mine, expected)) in zip(ours, theirs).enumerated() where mine != expected {
        Issue.record("\(file) document \(index): \(firstDifference(mine, expected) ?? "differs")")
      }
    }
  }

  @Test(
    "every fixture document round trips",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED)"))
  func everyFixtureDocumentRoundTrips() throws {
    let root = try #require(TestEnvironment.upstreamFixtures)
    var checked = 0
    for file in Self.fixtureFiles() {
      let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(file)))
      let documents = try YAMLParser.parseDocuments(bytes, file: file)
      let text = try YAMLEmitter.emit(documents)
      let back = try YAMLParser.parseDocuments(text, file: "\(file) (emitted)")
      #expect(back.count == documents.count, "\(file)")
      for (index, (original, reread)) in zip(documents, back).enumerated() where original != reread {
        Issue.record("\(file) document \(index) after emit: \(firstDifference(reread, original) ?? "differs")")
      }
      checked += documents.count
    }
    #expect(checked > 300)
  }
}

/// The value with infinities and NaN as the oracle writes them: `{"$float": "inf" | "-inf" | "nan"}`.
func withMarkedNonFiniteFloats(_ value: JSONValue) -> JSONValue {
  switch value {
  case .double(let d) where !d.isFinite: ["$float": .string(d.isNaN ? "nan" : d < 0 ? "-inf" : "inf")]
  case .array(let items): .array(items.map(withMarkedNonFiniteFloats))
  case .object(let members): .object(members.mapValues(withMarkedNonFiniteFloats))
  default: value
  }
}

/// The first path where two values differ, e.g. `.spec.versions[0].schema: int 1 vs double 1.0`.
func firstDifference(_ mine: JSONValue, _ expected: JSONValue, path: String = "") -> String? {
  switch (mine, expected) {
  case (.object(let a), .object(let b)):
    if Array(a.keys) != Array(b.keys) {
      return "\(path.isEmpty ? "." : path): keys \(Array(a.keys)) vs expected \(Array(b.keys))"
    }
    for (key, value) in a {
      if let hit = firstDifference(value, b[key] ?? .null, path: "\(path).\(key)") { return hit }
    }
    return nil
  case (.array(let a), .array(let b)):
    if a.count != b.count { return "\(path): \(a.count) items vs expected \(b.count)" }
    for (i, (x, y)) in zip(a, b).enumerated() {
      if let hit = firstDifference(x, y, path: "\(path)[\(i)]") { return hit }
    }
    return nil
  default:
    if mine == expected { return nil }
    func show(_ v: JSONValue) -> String {
      let kind =
        switch v {
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .bool: "bool"
        case .null: "null"
        case .array: "array"
        case .object: "object"
        }
      return "\(kind) \(String(v.serialized().prefix(80)))"
    }
    return "\(path.isEmpty ? "." : path): \(show(mine)) vs expected \(show(expected))"
  }
}
