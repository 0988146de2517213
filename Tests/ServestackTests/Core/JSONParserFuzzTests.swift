import Foundation
import ServestackCore
import TestSupport
import Testing
import YAML

/// The JSON parser reads every answer of the API server and the registries. Its corpus: every upstream
/// manifest (as the JSON the apiserver would send back), the report schema, and answers recorded from the
/// real apiserver when one is there. Each document must round-trip exactly, agree with Python's json
/// module, and survive seeded mutations (flipped, cut, inserted and duplicated bytes) by either parsing or
/// throwing a JSONError with an offset inside the text: never a crash, a hang or an offset outside it.
@Suite("JSON parser: a corpus of real documents, and a seeded fuzz run over it")
struct JSONParserFuzzTests {
  /// The documents of the corpus as JSON text.
  static func corpus() async throws -> [[UInt8]] {
    var documents: [[UInt8]] = [
      Array(try Data(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/report-schema.json")))
    ]
    if let fixtures = TestEnvironment.upstreamFixtures {
      // Megabytes of YAML: parsed on a thread of its own, not on the cooperative pool.
      documents += try await TestBlocking.run {
        var files: [URL] = []
        let walker = FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil)
        while let file = walker?.nextObject() as? URL { if file.pathExtension == "yaml" { files.append(file) } }
        var converted: [[UInt8]] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
          for document in try YAMLParser.parseDocuments(Array(try Data(contentsOf: file))) where !document.isNull {
            converted.append(document.serializedBytes())
          }
        }
        return converted
      }
    }
    if let kubeconfig = TestEnvironment.testKubeconfig {
      for path in ["/version", "/api", "/apis", "/api/v1", "/apis/apps/v1", "/api/v1/namespaces", "/openapi/v2"] {
        let answer = try await Shell.runAsync("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", path])
        if answer.status == 0 { documents.append(Array(answer.stdout.utf8)) }
      }
    }
    return documents
  }

  @Test(
    "every corpus document parses, round-trips exactly, and agrees with Python's json module",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "\(TestEnvironment.missingFixturesReason)"))
  func corpusRoundTrips() async throws {
    let documents = try await Self.corpus()
    #expect(documents.count > 50, "the corpus is thin: \(documents.count) documents (is ../shared there?)")
    let directory = try TemporaryDirectory(prefix: "servestack-json-corpus")
    var pairs: [String] = []
    for (index, bytes) in documents.enumerated() {
      let value = try JSONValue(parsing: bytes)
      let again = try JSONValue(parsing: value.serializedBytes())
      #expect(again == value, "document \(index) does not round-trip")
      let original = try directory.write("\(index).in.json", String(decoding: bytes, as: UTF8.self))
      let ours = try directory.write("\(index).ours.json", value.serialized())
      pairs.append("\(original.path)\t\(ours.path)")
    }
    guard TestEnvironment.which("python3") != nil else { return }
    let list = try directory.write("pairs.txt", pairs.joined(separator: "\n"))
    let program = """
      import json, sys
      bad = []
      for line in open(sys.argv[1]):
          a, b = line.rstrip("\\n").split("\\t")
          if json.load(open(a)) != json.load(open(b)): bad.append(a)
      print("DIFFER " + " ".join(bad) if bad else "SAME")
      """
    let output = try await Shell.runAsync("python3", ["-c", program, list.path])
    #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "SAME", "\(output.stdout)\(output.stderr)")
  }

  @Test("20,000 seeded mutations of the corpus parse or fail with an offset inside the text")
  func mutationsNeverCrash() async throws {
    let documents = try await Self.corpus().filter { $0.count < 200_000 }
    // Seconds of parsing: on a thread of its own, not the cooperative pool other tests' timing needs.
    let (parsed, refused, problems) = try await TestBlocking.run { Self.mutate(documents, rounds: 20_000) }
    #expect(problems.isEmpty, "\(problems.prefix(5))")
    #expect(parsed + refused == 20_000)
    #expect(refused > 1_000, "the mutations should break most documents")
  }

  static func mutate(_ documents: [[UInt8]], rounds: Int) -> (parsed: Int, refused: Int, problems: [String]) {
    var random = SplitMix(seed: 0x5EED_2026)
    var parsed = 0
    var refused = 0
    var problems: [String] = []
    let interesting: [UInt8] = Array("{}[]\",:\\0123456789.eE+-tfnu \n".utf8) + [0x00, 0xC3, 0xA9, 0xF0, 0xFF]
    for round in 0..<rounds {
      var bytes = documents[Int(random.next() % UInt64(documents.count))]
      for _ in 0...(random.next() % 4) {
        guard !bytes.isEmpty else { break }
        let at = Int(random.next() % UInt64(bytes.count))
        switch random.next() % 5 {
        case 0: bytes[at] = interesting[Int(random.next() % UInt64(interesting.count))]
        case 1: bytes.removeSubrange(at...)
        case 2: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: at)
        case 3: bytes.remove(at: at)
        default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 64)], at: at)
        }
      }
      do {
        let value = try JSONValue(parsing: bytes)
        if (try? JSONValue(parsing: value.serializedBytes())) != value {
          problems.append("round \(round): no round trip")
        }
        parsed += 1
      } catch {
        if error.offset < 0 || error.offset > bytes.count || error.message.isEmpty {
          problems.append("round \(round): offset \(error.offset) of \(bytes.count) bytes, message '\(error.message)'")
        }
        refused += 1
      }
    }
    return (parsed, refused, problems)
  }
}

/// A small deterministic generator, so that a failing mutation can be found again.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
