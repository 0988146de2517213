import Foundation
import TestSupport
import Testing

/// The fake modern apiserver is a maintained asset: its own self-test passes, and it answers the wire-level
/// contract the way the real v1.20 testenv does (the differences allowed are only the version-specific ones
/// listed in contract_check.py's KNOWN_DIFFERENCES). When the two disagree, the real one is right.
@Suite(
  "The fake apiserver: self-test, and the contract against the real apiserver",
  .enabled(
    if: TestEnvironment.which("python3") != nil && TestEnvironment.which("openssl") != nil,
    "the fake apiserver needs python3 and openssl; skipped"))
struct FakeKubeFidelityTests {
  static var folder: URL { get throws { try Kube.resources.appendingPathComponent("FakeKube") } }

  /// `N passed, M failed` or `N same, M different (K known)`: the closing line of both scripts.
  static func closingLine(_ output: String) -> String {
    output.split(separator: "\n").last.map(String.init) ?? ""
  }

  @Test("selftest.py: every check of the fake's controllers, webhooks, faults, watches and SSA passes")
  func selfTest() async throws {
    let result = try await Shell.runAsync("python3", [try Self.folder.appendingPathComponent("selftest.py").path])
    let closing = Self.closingLine(result.stdout)
    #expect(
      result.status == 0, "selftest.py failed: \(closing)\n\(result.stdout.suffix(2000))\(result.stderr.suffix(2000))")
    #expect(closing.hasSuffix(" 0 failed"), "\(closing)")
  }

  @Test(
    "contract_check.py: the fake and the real v1.20 apiserver answer the same raw requests alike",
    .enabled(if: TestEnvironment.hasTestCluster, "\(TestEnvironment.missingClusterReason)"))
  func contractAgainstTheRealApiserver() async throws {
    let real = try #require(TestEnvironment.testKubeconfig)
    let fake = try await FakeKubeProcess.start(prefix: "sstest-fakekube-contract")
    defer { fake.process.stop() }
    let result = try await Shell.runAsync(
      "python3",
      [
        try Self.folder.appendingPathComponent("contract_check.py").path, "--kubeconfig", real, "--kubeconfig",
        fake.kubeconfig,
      ])
    let closing = Self.closingLine(result.stdout)
    #expect(result.status == 0, "the fake drifted from the real apiserver: \(closing)\n\(result.stdout.suffix(4000))")
    // Every difference is a known, version-specific one.
    let numbers = closing.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    #expect(numbers.count == 3 && numbers[0] > 100 && numbers[1] == numbers[2], "\(closing)")
  }
}
