import ArgumentParser
import Foundation
import ServestackCore
import YAML

/// Parse throughput of ``YAMLParser`` against PyYAML's CSafeLoader (libyaml + Python objects) on the same
/// files, in the same run.
struct YAMLBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "yaml",
    abstract: "YAML parse throughput (MB/s) vs PyYAML CSafeLoader on the upstream manifests.")

  @Option(
    help:
      "Folder searched for *.yaml (default: $SERVESTACK_SHARED/fixtures/upstream or /work/shared/fixtures/upstream).")
  var files: String?

  @Option(help: "Passes over all files; the largest file is timed alone, best of this many.")
  var iterations: Int = 3

  @Flag(help: "Skip the PyYAML comparison.")
  var noPython = false

  func run() async throws {
    let folder = files ?? defaultFolder()
    let paths = yamlFiles(under: folder)
    guard !paths.isEmpty else { throw ValidationError("no *.yaml files under \(folder)") }
    let contents = try paths.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) }
    let totalBytes = contents.reduce(0) { $0 + $1.count }
    let largest = contents.indices.max { contents[$0].count < contents[$1].count } ?? 0
    let n = max(1, iterations)
    print("libyaml \(YAMLLibrary.version); \(paths.count) files, \(mb(totalBytes)) MB, \(n) iterations")

    var documents = 0
    for (path, bytes) in zip(paths, contents) { documents += try YAMLParser.parseDocuments(bytes, file: path).count }
    let clock = ContinuousClock()
    let all = try clock.measure {
      for _ in 0..<n {
        for bytes in contents { _ = try YAMLParser.parseDocuments(bytes) }
      }
    }
    var best = Duration.seconds(1_000_000)
    for _ in 0..<n {
      best = min(best, try clock.measure { _ = try YAMLParser.parseDocuments(contents[largest]) })
    }
    let swiftAll = seconds(all)
    let swiftRate = Double(totalBytes * n) / swiftAll / 1e6
    let swiftLargest = seconds(best)
    print(
      String(
        format: "servestack: all files %.3f s/pass, %.1f MB/s (%d documents)", swiftAll / Double(n), swiftRate,
        documents))
    print(
      String(format: "servestack: %@ (%@ MB) best %.3f s", paths[largest], mb(contents[largest].count), swiftLargest))

    guard !noPython else { return }
    let python = try pyyaml(paths: paths, largest: largest, iterations: n)
    let pyRate = Double(totalBytes * n) / python.all / 1e6
    print(String(format: "PyYAML CSafeLoader: all files %.3f s/pass, %.1f MB/s", python.all / Double(n), pyRate))
    print(String(format: "PyYAML CSafeLoader: largest best %.3f s", python.largest))
    print(
      String(
        format: "ratio (servestack / PyYAML throughput): all files %.1fx, largest file %.1fx",
        swiftRate / pyRate, python.largest / swiftLargest))
  }

  private func defaultFolder() -> String {
    if let shared = ProcessInfo.processInfo.environment["SERVESTACK_SHARED"], !shared.isEmpty {
      return shared + "/fixtures/upstream"
    }
    return "/work/shared/fixtures/upstream"
  }

  private func yamlFiles(under folder: String) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder)
    var found: [String] = []
    while let relative = enumerator?.nextObject() as? String {
      if relative.hasSuffix(".yaml") { found.append(folder + "/" + relative) }
    }
    return found.sorted()
  }

  /// Times PyYAML in a child `python3`, parsing only (files are read before the clock starts).
  private func pyyaml(paths: [String], largest: Int, iterations: Int) throws -> (all: Double, largest: Double) {
    let script = """
      import json, sys, time, yaml
      n, big = int(sys.argv[1]), int(sys.argv[2])
      data = [open(p, 'rb').read() for p in sys.argv[3:]]
      load = lambda d: list(yaml.load_all(d, Loader=yaml.CSafeLoader))
      t = time.perf_counter()
      for _ in range(n):
          for d in data: load(d)
      total = time.perf_counter() - t
      best = min((lambda t0: (load(data[big]), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(n))
      print(json.dumps({"all": total, "largest": best}))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(iterations), String(largest)] + paths
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
      let result = try? JSONValue(parsing: [UInt8](data)),
      let all = result["all"]?.doubleValue, let big = result["largest"]?.doubleValue
    else { throw ValidationError("python3 with PyYAML (CSafeLoader) failed; is PyYAML with libyaml installed?") }
    return (all, big)
  }

  private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
  }

  private func mb(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / 1e6) }
}
