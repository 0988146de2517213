import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

@Suite(
  "Preflight against the real v1.20 apiserver",
  .enabled(if: TestEnvironment.hasTestCluster, Comment(rawValue: TestEnvironment.missingClusterReason)))
struct PreflightTests {
  func run(_ options: PreflightOptions = PreflightOptions()) async throws -> PreflightReport {
    let set = try PhaseSet.builtin()
    return await PreflightRunner(client: try EngineTests.realClient()).run(
      selection: set.selection(profile: .serverless), profile: .serverless, rendered: nil, options: options)
  }

  @Test("fails KubernetesVersion on 1.20 naming the version, the minimum and the fix")
  func kubernetesVersionFails() async throws {
    let report = try await run()
    let check = try #require(report["KubernetesVersion"])
    #expect(check.status == .fail)
    #expect(check.reason.contains("v1.20.2 is older than 1.30"), "\(check.reason)")
    #expect(check.reason.contains("kserve v0.16.0 needs 1.30"), "\(check.reason)")
    #expect(check.fix?.contains("--ignore-preflight-errors=KubernetesVersion") == true)
    #expect(report.failed)
  }

  @Test("finds the GPU node and warns on the missing default StorageClass")
  func gpuNodeAndStorageClass() async throws {
    let report = try await run()
    let gpu = try #require(report["gpu-nodes"])
    #expect(gpu.reason.contains("hollow-node-0: 4 nvidia.com/gpu"), "\(gpu.reason)")
    #expect(gpu.status != .fail)
    let storage = try #require(report["DefaultStorageClass"])
    #expect(storage.status == .warn)
    #expect(storage.reason.contains("no default StorageClass"), "\(storage.reason)")
    #expect(report["NodesReady"]?.status == .pass)
  }

  @Test("--ignore-preflight-errors turns the version failure into an ignored warning; runs well under a second")
  func ignoredAndFast() async throws {
    let started = ContinuousClock.now
    let report = try await run(PreflightOptions(ignored: try PreflightNames.parseIgnored(["KubernetesVersion"])))
    let elapsed = ContinuousClock.now - started
    FileHandle.standardError.write(
      Data("preflight on the real 1.20 apiserver: \(elapsed) (report says \(report.duration))\n".utf8))
    let check = try #require(report["kubernetes-version"])
    #expect(check.status == .warn && check.ignored)
    #expect(!report.failed, "\(report.failures.map(\.reason))")
  }

  @Test("the binary's preflight prints the table and exits 1 on the version failure")
  func binary() async throws {
    let output = try await EngineTests.servestack(["preflight"], kubeconfig: TestEnvironment.testKubeconfig)
    #expect(output.status == 1, "\(output.stderr)")
    #expect(output.stdout.contains("KubernetesVersion    fail"))
    #expect(output.stdout.contains("fix: upgrade the cluster"))
    let json = try await EngineTests.servestack(
      ["preflight", "-o", "json", "--ignore-preflight-errors=KubernetesVersion"],
      kubeconfig: TestEnvironment.testKubeconfig)
    #expect(json.status == 0, "\(json.stderr)")
    let parsed = try JSONValue(parsing: Array(json.stdout.utf8))
    #expect(parsed["passed"] == true)
  }
}

@Suite("Preflight's cluster-reachable line")
struct PreflightReachableTests {
  @Test("names the context once, with the kubeconfig it came from", arguments: KubeBackendKind.allCases)
  func contextOnce(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let context = try #require(client.connection.contextName)
    let set = try PhaseSet.builtin()
    let report = await PreflightRunner(client: client).run(
      selection: set.selection(profile: .raw), profile: .raw, rendered: nil, options: PreflightOptions())
    let reason = try #require(report["cluster-reachable"]).reason
    #expect(reason.components(separatedBy: "context \(context)").count == 2, "\(reason)")
    #expect(reason.contains("kubeconfig "), "\(reason)")
  }
}
