import Foundation
import HTTP
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// A step whose workload never becomes ready: the failure report (what failed, how to go on or back),
/// the state left at the last healthy step, then the same command resumes once the cause is gone.
@Suite(
  "upgrade apply: a failed step",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
struct UpgradeFailureTests {
  @Test(
    "a KServe v0.16.0 workload never ready: the upgrade stops at step 1 naming it, how to go on and back; going back re-applies v0.15.2; fixed, the same command goes forward"
  )
  func failedStepThenResume() async throws {
    let fixture = try await UpgradeFixture.installed()
    defer { fixture.stop() }
    try await fixture.configureFake(["neverReady": ["kserve/llmisvc-controller-manager"]])

    let command = ["upgrade", "apply", "--to", "kserve-0.16", "--skip-tests", "--timeout", "20s"]
    let failed = try await fixture.servestack(command)
    #expect(failed.status == 1, "\(failed.stdout)\n\(failed.stderr)")
    #expect(
      failed.stderr.contains("error: the upgrade stopped at step 1 (kserve v0.15.2 → v0.16.0)"), "\(failed.stderr)")
    #expect(failed.stderr.contains("phase kserve failed"), "\(failed.stderr)")
    #expect(failed.stderr.contains("llmisvc-controller-manager"), "the report names the workload: \(failed.stderr)")
    #expect(
      failed.stderr.contains("to go on once it is fixed, run: servestack upgrade apply --to kserve-0.16"),
      "\(failed.stderr)")
    #expect(
      failed.stderr.contains(
        "to go back to the versions installed before, run: servestack upgrade apply --to kserve-0.15 --mirror"),
      "the way back keeps the command line's other flags: \(failed.stderr)")
    let store = try fixture.store()
    let state = try await store.load()
    #expect(state.stack?.name == "kserve-0.15", "the state names the step's versions only once it is healthy")
    #expect(state[try PhaseName("kserve")]?.status == .failed)
    #expect(state.upgrade?.finished == false && state.upgrade?.target == "stack kserve-0.16")

    // Going back from the half-applied step re-applies v0.15.2 and prunes what v0.16.0 added.
    let back = try await fixture.servestack([
      "upgrade", "apply", "--to", "kserve-0.15", "--skip-tests", "--timeout", "2m",
    ])
    #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("step 1/1 (rollback): kserve v0.16.0 → v0.15.2"), "\(back.stdout)")
    let client = try fixture.client()
    #expect(
      try await client.getIfExists(
        ObjectReference(GroupVersionKind.deployment, namespace: "kserve", name: "llmisvc-controller-manager")) == nil)
    let rolledBack = try await store.load()
    let kservePhase = try PhaseName("kserve")
    #expect(rolledBack[kservePhase]?.status == .succeeded && rolledBack[kservePhase]?.version == "v0.15.2")

    try await fixture.configureFake(["neverReady": []])
    let resumed = try await fixture.servestack(command)
    #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
    #expect(resumed.stdout.contains("step 1/1: kserve v0.15.2 → v0.16.0"), "\(resumed.stdout)")
    let done = try await store.load()
    #expect(done.stack?.name == "kserve-0.16" && done.upgrade?.finished == true)
    #expect(done.records.values.allSatisfy { $0.status == .succeeded })
  }
}
