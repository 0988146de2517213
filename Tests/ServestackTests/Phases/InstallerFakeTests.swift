import Foundation
import HTTP
import Kubernetes
import Phases
import ServestackCore
import Testing
import TestSupport

/// The modern default stack (CRDs 1.20 rejects, webhooks that must serve) installed from the upstream
/// fixtures, served under their release URL paths, into a fake apiserver of each test's own.
@Suite(
  "Installer: the default stack on the fake apiserver",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
struct InstallerFakeTests {
  @Test("install completes every install phase with no retry by hand; a second install is unchanged and writes nothing")
  func installTwice() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let client = try fake.client()
    let first = try await Installer(client: client).run(try stack.options())
    #expect(first.succeeded, "\(first.failedPhase?.problems ?? [])")
    #expect(first.phases.map(\.name.rawValue) == ["cert-manager", "istio", "knative-serving", "net-istio", "kserve", "kserve-cluster-resources"])
    #expect(first.phases.allSatisfy { $0.outcome == .succeeded })
    guard case .notRun(let why) = first.tests else { Issue.record("tests: \(first.tests)"); return }
    #expect(why.hasPrefix("skipped: run `servestack test --profile serverless`"))

    let mark = try await fake.log().compactMap { $0["seq"]?.intValue }.max() ?? 0
    let second = try await Installer(client: client).run(try stack.options())
    #expect(second.everyPhaseUnchanged, "\(second.phases.map { "\($0.name): \($0.outcome) \($0.problems)" })")
    let writes = try await fake.log(since: mark + 1).filter { $0["changed"] == true && $0["path"]?.stringValue?.contains("servestack-webhook-probe") != true }
    let touched = writes.map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
    // Only the install's own books (state ConfigMap, Lease) may change.
    #expect(touched.allSatisfy { $0.contains("servestack-state") || $0.contains("leases") }, "\(touched)")
  }

  @Test("waits hold: CRDs slow to become Established and a webhook refusing connections for 4 s hold the guarded objects back")
  func slowCRDsAndRefusingWebhook() async throws {
    let fake = try await OwnFakeKube(config: [
      "crdEstablishDelaySeconds": 2.0, "webhookRefuseSeconds": ["kserve/kserve-webhook-server-service": 4],
    ])
    defer { fake.stop() }
    let stack = try ModernStack()
    let result = try await Installer(client: try fake.client()).run(try stack.options())
    #expect(result.succeeded, "\(result.failedPhase?.problems ?? [])")
    let kserve = try #require(result.phases.first { $0.name.rawValue == "kserve" })
    // Every CRD waits 2 s for Established (during the apply, before the phase's custom resources go in).
    let established = kserve.waits.filter { $0.what.hasSuffix("established") }
    #expect(!established.isEmpty && established.allSatisfy(\.satisfied))
    for name in ["cert-manager", "knative-serving", "kserve"] {
      let phase = try #require(result.phases.first { $0.name.rawValue == name })
      #expect(phase.duration >= .seconds(2), "\(name) took \(phase.duration)")
    }
    let hook = try #require(kserve.waits.first { $0.what.contains("clusterservingruntime.kserve-webhook-server.validator") })
    #expect(hook.satisfied && hook.elapsed >= .seconds(3), "\(hook)")
    #expect(hook.state.hasPrefix("answered a dry-run create of clusterservingruntime servestack-webhook-probe"), "\(hook.state)")
    // No ClusterServingRuntime write was ever sent to a webhook that refused it.
    let refused = try await fake.log().filter {
      $0["resource"] == "clusterservingruntimes" && ($0["status"]?.intValue ?? 0) >= 400 && $0["query"]?.stringValue?.contains("dryRun") != true
    }
    #expect(refused.isEmpty, "\(refused)")
  }

  @Test("a Deployment that never becomes available: the binary reports the deployment, the missing condition, the pod state and the resume command; the rerun resumes")
  func neverAvailableThenResume() async throws {
    let fake = try await OwnFakeKube(config: ["neverReady": ["kserve/kserve-controller-manager*"]])
    defer { fake.stop() }
    let stack = try ModernStack()
    let failed = try await EngineTests.servestack(["install", "--timeout", "75s", "--skip-tests"] + stack.flags, kubeconfig: fake.kubeconfig)
    #expect(failed.status == 1)
    let report = failed.stderr
    #expect(report.contains("error: install failed at phase kserve"), "\(report)")
    #expect(report.contains("deployment kserve/kserve-controller-manager"), "\(report)")
    #expect(report.contains("rolled out"), "the missing condition: \(report)")
    #expect(report.contains("ImagePullBackOff"), "the pod state: \(report)")
    #expect(report.contains("to resume, run: servestack install --mirror \(stack.mirror.base) --cache \(stack.cache.path) --timeout 75s --skip-tests"), "\(report)")
    #expect(failed.stdout.contains("[4/6] net-istio  succeeded"), "\(failed.stdout)")
    #expect(!report.contains("Fatal error"), "no stack traces")

    _ = try await fake.backend.fakeControl(.patch, "/fake/config", ["neverReady": []])
    let resumed = try await EngineTests.servestack(["install", "--timeout", "2m", "--skip-tests", "-o", "json"] + stack.flags, kubeconfig: fake.kubeconfig)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let finished = try resumed.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }.filter { $0["event"] == "phase-finished" }
    #expect(finished.map { $0["status"]?.stringValue ?? "" } == ["unchanged", "unchanged", "unchanged", "unchanged", "succeeded", "succeeded"])

    let status = try await EngineTests.servestack(["status"], kubeconfig: fake.kubeconfig)
    #expect(status.status == 0, "\(status.stdout)")
    #expect(status.stdout.contains("kserve v0.16.0"))
    #expect(status.stdout.contains("ok   deployment kserve/kserve-controller-manager"))
  }

  @Test("plan --offline with the binary: phases, objects and images from the manifests alone, no cluster")
  func offlinePlan() async throws {
    let stack = try ModernStack()
    let output = try await EngineTests.servestack(["plan", "--offline", "--profile", "raw"] + stack.flags, kubeconfig: "/nonexistent/kubeconfig")
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.contains("offline plan for profile raw"))
    #expect(output.stdout.contains("kserve  install  kserve v0.16.0"))
    #expect(!output.stdout.contains("knative-serving  install"), "raw has no Knative")
    #expect(output.stdout.contains("image: "))
  }
}
