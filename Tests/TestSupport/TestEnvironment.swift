public import Foundation
import HTTP

/// Where the test data and test infrastructure are, and whether they are here at all.
///
/// Tests that need `../shared` (upstream fixtures, the kube testenv) or a cluster use these to skip with a
/// one-line reason when they are missing; `.ci/run` provides both, so CI skips nothing.
public enum TestEnvironment {
  /// The package root (the folder holding Package.swift).
  public static let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
  }()

  /// `SERVESTACK_SHARED`, else `../shared` beside the checkout, if it exists.
  public static let sharedDirectory: URL? = {
    if let explicit = ProcessInfo.processInfo.environment["SERVESTACK_SHARED"], !explicit.isEmpty {
      return URL(fileURLWithPath: explicit)
    }
    let candidate = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
  }()

  /// `shared/fixtures/upstream`, if present.
  public static var upstreamFixtures: URL? {
    guard let shared = sharedDirectory else { return nil }
    let url = shared.appendingPathComponent("fixtures/upstream")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  public static var hasUpstreamFixtures: Bool { upstreamFixtures != nil }
  public static let missingFixturesReason = "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED); skipped"

  /// The kubeconfig of a real cluster for integration tests: `SERVESTACK_TEST_KUBECONFIG`.
  public static var testKubeconfig: String? {
    LoopbackFence.enable()  // a cluster's addresses must not send a test's requests off this machine
    guard let path = ProcessInfo.processInfo.environment["SERVESTACK_TEST_KUBECONFIG"], !path.isEmpty,
      FileManager.default.fileExists(atPath: path)
    else { return nil }
    return path
  }
  public static var hasTestCluster: Bool { testKubeconfig != nil }
  public static let missingClusterReason =
    "needs a cluster: set SERVESTACK_TEST_KUBECONFIG (.ci/run starts ../shared/testenv/kube); skipped"

  /// The first executable named `name` on PATH.
  public static func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The built `servestack` binary, for end-to-end tests (next to the test bundle in `.build/<config>/`).
  public static var servestackBinary: URL? { builtProduct("servestack") }

  /// The built `servestack-bench` binary, for checks that must run in a process of their own (peak RSS).
  public static var benchBinary: URL? { builtProduct("servestack-bench") }

  /// The executable product `name` of this package, next to the test bundle in `.build/<config>/`.
  public static func builtProduct(_ name: String) -> URL? {
    let bundle = Bundle.main.bundleURL
    for dir in [bundle.deletingLastPathComponent(), bundle, packageRoot.appendingPathComponent(".build/debug")] {
      let candidate = dir.appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }
}
