import Foundation
import Kubernetes
import Phases
import ServestackCore
import Synchronization
import TestSupport
import Testing

/// How the Upgrader uses the probe and the test runner it is given (stand-ins for the Conformance ones),
/// on the fake apiserver with the synthetic widgets catalog: a probe that never answers stops the upgrade
/// before anything changes; one that answers is asked during the step and summed up; the test phases of
/// the final versions run after the last step, or are skipped.
@Suite(
  "upgrade apply: probe and test-phase wiring",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct UpgradeProbeWiringTests {
  final class Probe: UpgradeProbing {
    let answers: Bool
    let sent = Mutex(0)

    init(answers: Bool) { self.answers = answers }

    func prepare(client: KubeClient) async throws -> UpgradeProbeTarget {
      guard answers else { throw TestSetupError("inferenceservice servestack-probe/sklearn-iris is not Ready") }
      return UpgradeProbeTarget(
        description: "stand-in probe",
        send: { [self] in
          sent.withLock { $0 += 1 }
          return nil
        })
    }
  }

  final class Runner: TestPhaseRunning {
    let ran = Mutex<[String]>([])

    func runTestPhases(_ phases: [PhaseSpec], parameters: PhaseParameters, client: KubeClient) async
      -> TestPhasesOutcome
    {
      ran.withLock { $0 = phases.map(\.name.rawValue) }
      return TestPhasesOutcome(passed: true, summary: "widgets-smoke passed")
    }
  }

  static func options(_ folder: PhaseFolder, cache: TemporaryDirectory, target: String) throws -> UpgradeOptions {
    var options = UpgradeOptions(
      target: .stack(target), phases: folder.url, parameters: try PhaseParameters(profile: .serverless),
      fetcher: try ManifestFetcher(options: ManifestFetcher.Options(cacheDirectory: cache.url)))
    options.crdHooks = KubeCRDVersionHooks()
    options.probeInterval = .milliseconds(20)
    return options
  }

  @Test(
    "a probe that does not answer stops the upgrade before anything changes; one that does is asked during the step, and the test phases run after it (or are skipped with skipTests)"
  )
  func probeAndTests() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let folder = try UpgradeStorageMigrationTests.folder()
    try folder.write(
      "80-widgets-smoke.yaml", "name: widgets-smoke\nkind: test\nafter: [widgets]\nsteps:\n  - apply: {}\n")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    let install = try await EngineTests.servestack(
      ["install", "--phases", folder.path, "--cache", cache.path, "--stack", "widgets-1", "--skip-tests"]
        + ["--ignore-preflight-errors=all"], kubeconfig: fake.kubeconfig)
    try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
    let client = try fake.client()
    let store = InstallStateStore(client: client)
    let upgrader = Upgrader(client: client)

    var options = try Self.options(folder, cache: cache, target: "widgets-1.1")
    options.probe = Probe(answers: false)
    await #expect {
      _ = try await upgrader.apply(options)
    } throws: { error in
      let message = (error as? PhaseError)?.message ?? ""
      return message.contains("the upgrade did not start, nothing was changed")
        && message.contains("inferenceservice servestack-probe/sklearn-iris is not Ready")
        && message.contains("--no-probe")
    }
    let untouched = try await store.load()
    #expect(untouched.stack?.name == "widgets-1" && untouched.upgrade == nil, "nothing recorded")

    let probe = Probe(answers: true)
    let runner = Runner()
    options.probe = probe
    options.testRunner = runner
    let events = Mutex<[String]>([])
    let result = try await upgrader.apply(
      options,
      events: { event in events.withLock { $0.append(event.json["event"]?.stringValue ?? "") } })
    #expect(result.succeeded, "\(result.json)")
    let summary = try #require(result.probe)
    #expect(summary.sent > 0 && summary.sent == probe.sent.withLock { $0 } && summary.failed == 0, "\(summary)")
    #expect(summary.target == "stand-in probe")
    let order = events.withLock { $0 }
    let started = try #require(order.firstIndex(of: "probe-started"))
    let step = try #require(order.firstIndex(of: "step-started"))
    let finished = try #require(order.firstIndex(of: "probe-finished"))
    #expect(started < step && step < finished, "the probe is asked from before the first step to after the last")
    #expect(runner.ran.withLock { $0 } == ["widgets-smoke"])
    #expect(result.json[path: ["tests", "status"]] == "passed")
    #expect(result.json[path: ["probe", "sent"]]?.intValue == summary.sent)

    var skipping = try Self.options(folder, cache: cache, target: "widgets-1")
    skipping.skipTests = true
    skipping.testRunner = runner
    let back = try await upgrader.apply(skipping)
    #expect(back.succeeded && back.probe == nil)
    #expect(
      back.json[path: ["tests", "status"]] == "skipped" && back.json[path: ["tests", "reason"]] == "--skip-tests")
  }
}
