import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing

/// Writes phase files into a temporary folder and loads them, for schema and ordering tests.
final class PhaseFolder: Sendable {
  let directory: TemporaryDirectory

  init() throws { directory = try TemporaryDirectory(prefix: "servestack-phases") }

  var url: URL { directory.url }
  var path: String { directory.path }

  @discardableResult
  func write(_ name: String, _ text: String) throws -> URL { try directory.write(name, text) }

  /// The error loading the folder throws (a failed expectation when it loads).
  func loadError(sourceLocation: Testing.SourceLocation = #_sourceLocation) -> PhaseError? {
    do throws(PhaseError) {
      _ = try PhaseSet.load(directory: url)
      Issue.record("the phase folder loaded, but an error was expected", sourceLocation: sourceLocation)
      return nil
    } catch {
      return error
    }
  }
}

enum PhaseFixtures {
  static let pin = String(repeating: "ab", count: 32)

  /// A small valid install phase.
  static func install(_ name: String, after: [String] = [], profiles: [String]? = nil) -> String {
    var text = "name: \(name)\nkind: install\n"
    if !after.isEmpty { text += "after: [\(after.joined(separator: ", "))]\n" }
    if let profiles { text += "profiles: [\(profiles.joined(separator: ", "))]\n" }
    text +=
      "manifests:\n  - url: https://example.com/\(name).yaml\n    sha256: \(pin)\nwait:\n  - workloads: available\n"
    return text
  }

  /// Upstream URL → the fixture file holding the same bytes (fixtures README's table and
  /// SOURCES-upgrade-chain.md): every manifest of the version catalog.
  static let upstreamFiles: [String: String] = [
    "https://github.com/cert-manager/cert-manager/releases/download/v1.16.1/cert-manager.yaml":
      "cert-manager/v1.16.1/cert-manager.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.15.2/serving-crds.yaml":
      "knative-serving/v1.15.2/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.15.2/serving-core.yaml":
      "knative-serving/v1.15.2/2-serving-core.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.15.1/net-istio.yaml":
      "net-istio/v1.15.1/net-istio.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.15.1/kourier.yaml":
      "net-kourier/v1.15.1/kourier.yaml",
    "https://raw.githubusercontent.com/knative-extensions/net-istio/knative-v1.20.0/third_party/istio-latest/istio-kind-no-mesh/istio.yaml":
      "istio/1.27.1/rendered/istio-kind-no-mesh.yaml",
    "https://github.com/kserve/kserve/releases/download/v0.16.0/kserve.yaml": "kserve/v0.16.0/kserve.yaml",
    "https://github.com/kserve/kserve/releases/download/v0.16.0/kserve-cluster-resources.yaml":
      "kserve/v0.16.0/kserve-cluster-resources.yaml",
    // The rest of the version catalog (phases/versions/): KServe v0.15.2 and the upgrade chain.
    "https://github.com/kserve/kserve/releases/download/v0.15.2/kserve.yaml":
      "kserve/v0.15.2/kserve.yaml",
    "https://github.com/kserve/kserve/releases/download/v0.15.2/kserve-cluster-resources.yaml":
      "kserve/v0.15.2/kserve-cluster-resources.yaml",
    "https://github.com/cert-manager/cert-manager/releases/download/v1.18.0/cert-manager.yaml":
      "cert-manager/v1.18.0/cert-manager.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.16.3/serving-crds.yaml":
      "knative-serving/v1.16.3/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.16.3/serving-core.yaml":
      "knative-serving/v1.16.3/2-serving-core.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.17.0/serving-crds.yaml":
      "knative-serving/v1.17.0/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.17.0/serving-core.yaml":
      "knative-serving/v1.17.0/2-serving-core.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.18.0/serving-crds.yaml":
      "knative-serving/v1.18.0/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.18.0/serving-core.yaml":
      "knative-serving/v1.18.0/2-serving-core.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.19.9/serving-crds.yaml":
      "knative-serving/v1.19.9/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.19.9/serving-core.yaml":
      "knative-serving/v1.19.9/2-serving-core.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.20.3/serving-crds.yaml":
      "knative-serving/v1.20.3/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.20.3/serving-core.yaml":
      "knative-serving/v1.20.3/2-serving-core.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.21.1/serving-crds.yaml":
      "knative-serving/v1.21.1/1-serving-crds.yaml",
    "https://github.com/knative/serving/releases/download/knative-v1.21.1/serving-core.yaml":
      "knative-serving/v1.21.1/2-serving-core.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.16.0/net-istio.yaml":
      "net-istio/v1.16.0/net-istio.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.17.0/net-istio.yaml":
      "net-istio/v1.17.0/net-istio.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.18.1/net-istio.yaml":
      "net-istio/v1.18.1/net-istio.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.19.6/net-istio.yaml":
      "net-istio/v1.19.6/net-istio.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.20.2/net-istio.yaml":
      "net-istio/v1.20.2/net-istio.yaml",
    "https://github.com/knative/net-istio/releases/download/knative-v1.21.1/net-istio.yaml":
      "net-istio/v1.21.1/net-istio.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.16.0/kourier.yaml":
      "net-kourier/v1.16.0/kourier.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.17.0/kourier.yaml":
      "net-kourier/v1.17.0/kourier.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.18.0/kourier.yaml":
      "net-kourier/v1.18.0/kourier.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.19.6/kourier.yaml":
      "net-kourier/v1.19.6/kourier.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.20.1/kourier.yaml":
      "net-kourier/v1.20.1/kourier.yaml",
    "https://github.com/knative/net-kourier/releases/download/knative-v1.21.0/kourier.yaml":
      "net-kourier/v1.21.0/kourier.yaml",
  ]
}

/// A local manifest mirror: a folder laid out with upstream URL paths, served on 127.0.0.1 by
/// Resources/Phases/mirror_server.py, which logs every request so that tests can count downloads.
final class ManifestMirror: Sendable {
  let root: TemporaryDirectory
  let process: ChildProcess
  let port: Int
  let logFile: URL

  var base: String { "http://127.0.0.1:\(port)" }

  /// Serves every fixture of ``PhaseFixtures/upstreamFiles`` at its URL's path (symlinks, no copies);
  /// `replace` serves other bytes for some URLs.
  init(fixtures: URL, replace: [String: String] = [:]) throws {
    root = try TemporaryDirectory(prefix: "servestack-mirror")
    for (url, file) in PhaseFixtures.upstreamFiles {
      guard let path = URLComponents(string: url)?.path else { throw TestSetupError("bad URL \(url)") }
      let target = root.url.appendingPathComponent(String(path.dropFirst()))
      try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
      if let text = replace[url] {
        try Data(text.utf8).write(to: target)
      } else {
        try FileManager.default.createSymbolicLink(
          at: target, withDestinationURL: fixtures.appendingPathComponent(file))
      }
    }
    guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
      throw TestSetupError("test resources are missing from the bundle")
    }
    guard let python = TestEnvironment.which("python3") else { throw TestSetupError("python3 is not on PATH") }
    let portFile = root.url.appendingPathComponent(".port")
    logFile = root.url.appendingPathComponent(".requests.log")
    _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
    process = try ChildProcess(
      python,
      [resources.appendingPathComponent("Phases/mirror_server.py").path, root.path, portFile.path, logFile.path])
    let deadline = Date().addingTimeInterval(15)
    var found: Int?
    while Date() < deadline, found == nil, process.isRunning {
      found = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
      if found == nil { usleep(20_000) }
    }
    guard let found else {
      process.stop()
      throw TestSetupError("the mirror server did not start:\n\(process.logTail())")
    }
    port = found
  }

  /// The GET requests served so far (`GET /path 200`).
  var requests: [String] {
    ((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
      .filter { $0.hasPrefix("GET ") }
  }

  deinit { process.stop(grace: 2) }
}
