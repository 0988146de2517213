import Foundation
import ServestackCore
import TestSupport
import Testing

/// Package.swift says the truth: every target declares exactly the modules its sources import (the
/// toolchain's own modules aside), so the module graph in docs/architecture.md can be read off it.
@Suite(
  "Package.swift: declared dependencies match the imports",
  .enabled(if: TestEnvironment.which("swift") != nil, "needs the swift toolchain on PATH; skipped"))
struct PackageManifestTests {
  /// Modules that come with the toolchain or the platform, never declared.
  static let system: Set<String> = ["Foundation", "Synchronization", "Testing", "Glibc", "Dispatch", "XCTest"]

  static func imports(in folder: URL) throws -> Set<String> {
    var modules: Set<String> = []
    guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
    for case let file as URL in walker where file.pathExtension == "swift" {
      let text = try String(contentsOf: file, encoding: .utf8)
      for line in text.split(separator: "\n") {
        let words = line.split(separator: " ").map(String.init)
        guard let index = words.firstIndex(of: "import"), index <= 1 else { continue }
        if index == 1, !["public", "internal", "package", "@_exported"].contains(words[0]) { continue }
        // Python inside string literals is indented or lists several modules; Swift's import is neither.
        guard !line.hasPrefix(" "), let module = words.dropFirst(index + 1).first,
          module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { continue }
        modules.insert(module)
      }
    }
    return modules.subtracting(system)
  }

  @Test("every Swift target's dependencies are exactly the modules its sources import")
  func dependenciesMatchImports() async throws {
    let root = TestEnvironment.packageRoot
    // A scratch path of its own: the running `swift test` holds the lock on .build, which dump-package
    // would otherwise wait for.
    let scratch = try TemporaryDirectory(prefix: "servestack-dump-package")
    let dump = try await Shell.runAsync(
      "swift", ["package", "--scratch-path", scratch.path, "dump-package"], currentDirectory: root)
    try #require(dump.status == 0, "swift package dump-package failed: \(dump.stderr)")
    let manifest = try JSONValue(parsing: Array(dump.stdout.utf8))
    var checked = 0
    for target in manifest["targets"]?.arrayValue ?? [] {
      guard let name = target["name"]?.stringValue, let type = target["type"]?.stringValue,
        ["regular", "executable", "test"].contains(type)
      else { continue }
      let path = target["path"]?.stringValue ?? (type == "test" ? "Tests/\(name)" : "Sources/\(name)")
      let declared = Set(
        (target["dependencies"]?.arrayValue ?? []).compactMap { dependency in
          dependency.objectValue?.values.first?.arrayValue?.first?.stringValue
        })
      let imported = try Self.imports(in: root.appendingPathComponent(path))
      #expect(declared.subtracting(imported).sorted() == [], "\(name) declares but does not import these")
      #expect(imported.subtracting(declared).sorted() == [], "\(name) imports but does not declare these")
      checked += 1
    }
    #expect(checked >= 14)
  }
}
