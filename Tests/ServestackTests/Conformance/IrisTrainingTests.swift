import Foundation
import TestSupport
import Testing

/// The iris fixture's training step, run by several test processes at once on a machine that has no model
/// yet (a fresh machine's first `scripts/test`): every trainer must succeed and leave one whole model.
@Suite(
  "The iris model: trained by several processes at once",
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"))
struct IrisTrainingTests {
  @Test("six trainers into one empty folder all succeed and leave a loadable model.joblib")
  func concurrentTrainers() async throws {
    let directory = try TemporaryDirectory(prefix: "servestack-iris-train")
    defer { directory.remove() }
    let scriptFolder = try IrisFixture.script.deletingLastPathComponent().path
    let modelDir = directory.file("model").path
    let program = """
      import sys; sys.path.insert(0, sys.argv[1]); import iris_fixture
      iris_fixture.train(sys.argv[2])
      """
    let results = try await withThrowingTaskGroup(of: Shell.Output.self) { group in
      for _ in 0..<6 {
        group.addTask { try await Shell.runAsync("python3", ["-c", program, scriptFolder, modelDir]) }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    for result in results { #expect(result.status == 0, "a trainer failed: \(result.stderr)") }
    let load = try await Shell.runAsync(
      "python3",
      [
        "-c", "import joblib, sys; print(joblib.load(sys.argv[1]).predict([[6.8, 2.8, 4.8, 1.4]])[0])",
        "\(modelDir)/model.joblib",
      ])
    #expect(load.status == 0, "\(load.stderr)")
    #expect(load.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: modelDir).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }
}
