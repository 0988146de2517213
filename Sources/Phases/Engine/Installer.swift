import Foundation
public import Kubernetes
import ServestackCore

/// `servestack install`: preflight, then the install phases in order (each applied and waited for, or
/// verified when an earlier run installed it with the same digest), then the test phases; resumable,
/// guarded by a Lease, its state kept in the cluster.
///
/// A failed phase is a result (``InstallResult/failedPhase``) with what went wrong and how to resume; the
/// run throws only when it cannot start or keep its books (phases that do not load or render, the
/// cluster unreachable, the Lease held by another install).
public struct Installer: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// One phase to run, rendered (and rewritten) with the digest of what is applied.
  struct Prepared: Sendable {
    var rendered: RenderedPhase
    var objects: [JSONValue]
    var digest: Digest
  }

  /// Runs the install (or the dry run) described by `options`.
  ///
  /// #### Errors
  /// ``PhaseError``: `selection` (bad `--from`/`--only`), rendering errors (download, pin, patch), a
  /// failing `rewrite`, `lockHeld` (another install runs), `cluster` (unreachable, refused).
  public func run(_ options: InstallOptions, events: @escaping EngineEventSink = { _ in }) async throws(PhaseError)
    -> InstallResult
  {
    let started = ContinuousClock.now
    let profile = options.profile
    let selected = try options.phaseSet.selection(
      profile: profile, kinds: [.install], from: options.from, only: options.only)
    let prepared = try await prepare(selected, options: options)

    var preflight: PreflightReport?
    if let preflightOptions = options.preflight {
      let phases = options.phaseSet.selection(profile: profile, kinds: [.preflight]) + selected
      var report = await PreflightRunner(client: client).run(
        selection: phases, profile: profile, rendered: prepared.map(\.rendered), options: preflightOptions)
      report.stack = options.stackChoice
      events(.preflight(report))
      preflight = report
      if let reachable = report["cluster-reachable"], reachable.status == .fail {
        throw PhaseError(.cluster, reachable.reason)
      }
      if report.failed {
        let result = InstallResult(
          profile: profile, dryRun: options.dryRun, preflight: report,
          phases: prepared.map { PhaseResult(name: $0.rendered.name, outcome: .notRun, reason: "preflight failed") },
          tests: .skipped("preflight failed"), duration: .now - started)
        events(.summary(result))
        return result
      }
    }
    try await checkWaitTargets(prepared.map(\.rendered))
    if options.dryRun {
      let result = await dryRun(prepared, preflight: preflight, options: options, started: started, events: events)
      events(.summary(result))
      return result
    }

    let store = InstallStateStore(client: client, namespace: options.stateNamespace)
    try await store.ensureNamespace()
    let (lock, warning) = try await InstallLock.acquire(
      client: client, namespace: options.stateNamespace, duration: options.leaseDuration)
    if let warning { events(.warning(warning)) }
    let result: InstallResult
    do throws(PhaseError) {
      result = try await runPhases(
        prepared, store: store, preflight: preflight, options: options, started: started,
        warnings: warning.map { [$0] } ?? [],
        events: events)
    } catch {
      await lock.release()
      throw error
    }
    await lock.release()
    events(.summary(result))
    return result
  }

  /// Renders the phases and applies the rewrite hook.
  func prepare(_ phases: [PhaseSpec], options: InstallOptions) async throws(PhaseError) -> [Prepared] {
    let rendered = try await PhaseRenderer(fetcher: options.fetcher, parameters: options.parameters).render(phases)
    var prepared: [Prepared] = []
    for phase in rendered {
      guard let rewrite = options.rewrite else {
        prepared.append(Prepared(rendered: phase, objects: phase.objects, digest: phase.digest))
        continue
      }
      let objects: [JSONValue]
      do {
        objects = try await rewrite(phase)
      } catch {
        throw PhaseError(
          .invalidManifest, "rewriting the objects of phase \(phase.name) failed: \(error.userMessage)",
          file: phase.spec.file,
          cause: error)
      }
      // The applied digest covers what is sent: the rendered digest and the rewritten objects.
      let document: JSONValue = ["rendered": .string(phase.digest.description), "objects": .array(objects)]
      prepared.append(
        Prepared(rendered: phase, objects: objects, digest: Digest.sha256(document.serializedBytes(.sortedKeys))))
    }
    return prepared
  }

  /// Refuses, before anything is applied, waits and webhook probes naming an object that no phase of
  /// the run creates and that is not on the cluster.
  func checkWaitTargets(_ phases: [RenderedPhase]) async throws(PhaseError) {
    var missing: [WaitReference] = []
    for reference in WaitReference.unresolved(in: phases) where await !reference.exists(client: client) {
      missing.append(reference)
    }
    if let error = WaitReference.error(missing, cluster: true) { throw error }
  }

  func dryRun(
    _ prepared: [Prepared], preflight: PreflightReport?, options: InstallOptions, started: ContinuousClock.Instant,
    events: @escaping EngineEventSink
  ) async -> InstallResult {
    let runner = PhaseRunner(client: client, events: events)
    var scope = PlannedScope()
    var results: [PhaseResult] = []
    for (index, phase) in prepared.enumerated() {
      events(.phaseStarted(name: phase.rendered.name, index: index + 1, total: prepared.count, action: .dryRun))
      // The phase's own Namespaces and CRDs count too: a dry run creates none of them for the objects after.
      scope.add(phase.objects)
      var result = await runner.dryRun(phase.rendered, objects: phase.objects, digest: phase.digest, planned: scope)
      result.images = options.imageLister?(phase.rendered) ?? []
      events(.phaseFinished(result))
      results.append(result)
    }
    return InstallResult(
      profile: options.profile, dryRun: true, preflight: preflight, phases: results, tests: .skipped("dry run"),
      duration: .now - started)
  }

  func runPhases(
    _ prepared: [Prepared], store: InstallStateStore, preflight: PreflightReport?, options: InstallOptions,
    started: ContinuousClock.Instant, warnings: [String], events: @escaping EngineEventSink
  ) async throws(PhaseError) -> InstallResult {
    let deadline = options.timeout.map { started + $0 }
    let runner = PhaseRunner(client: client, events: events)
    var state = try await store.load()
    let previousProfile = state.profile
    state.profile = options.profile
    state.parameters = options.parameters.values.filter { $0.key != "profile" }
    if let stack = options.phaseSet.stack { state.stack = stack }
    let forced = options.from != nil || !options.only.isEmpty
    var results: [PhaseResult] = []
    var failed = false
    for (index, phase) in prepared.enumerated() {
      let name = phase.rendered.name
      if failed {
        results.append(
          PhaseResult(name: name, outcome: .notRun, reason: "an earlier phase failed", digest: phase.digest))
        continue
      }
      var remaining = phase.rendered.spec.timeout.duration
      if let deadline { remaining = min(remaining, deadline - .now) }
      guard remaining > .zero else {
        let result = PhaseResult(
          name: name, outcome: .failed, reason: "the overall --timeout passed", digest: phase.digest,
          problems: ["the overall --timeout passed before phase \(name) could start"])
        events(.phaseFinished(result))
        results.append(result)
        failed = true
        continue
      }
      var decision = state.decision(for: name, digest: phase.digest, forced: forced)
      if previousProfile != nil && previousProfile != options.profile, case .verify = decision {
        decision = .apply(.digestChanged(from: state[name]?.digest))
      }
      var result: PhaseResult?
      if case .verify = decision {
        events(.phaseStarted(name: name, index: index + 1, total: prepared.count, action: .verifying))
        let verified = await runner.verify(
          phase.rendered, objects: phase.objects, digest: phase.digest, timeout: min(options.verifyTimeout, remaining))
        if verified.outcome == .unchanged {
          try state.verified(name, at: Date())
          result = verified
        } else {
          decision = .apply(.verificationFailed(verified.problems.first ?? "its waits do not hold"))
          remaining = max(.seconds(1), remaining - verified.duration)
        }
      }
      if case .apply(let reason) = decision {
        events(.phaseStarted(name: name, index: index + 1, total: prepared.count, action: .applying(reason)))
        state.begin(name, digest: phase.digest, component: phase.rendered.spec.component, at: Date())
        try await store.save(state)
        var applied = await runner.apply(
          phase.rendered, objects: phase.objects, digest: phase.digest, timeout: remaining, reason: reason.description)
        if applied.outcome == .failed {
          applied.problems.append(resumeHint(failed: name, options: options))
          try state.fail(name, message: applied.problems.first ?? "failed", objects: applied.applied, at: Date())
        } else {
          try state.succeed(name, objects: applied.applied, at: Date())
        }
        try await store.save(state)
        result = applied
      }
      guard let result else { continue }
      events(.phaseFinished(result))
      results.append(result)
      failed = result.outcome == .failed
    }
    let tests = failed ? .skipped("an install phase failed") : await runTests(options: options)
    return InstallResult(
      profile: options.profile, dryRun: false, preflight: preflight, phases: results, tests: tests,
      duration: .now - started,
      warnings: warnings, resumeCommand: failed ? options.command : nil)
  }

  /// The exact command that resumes, for failure reports.
  func resumeHint(failed phase: PhaseName, options: InstallOptions) -> String {
    "to resume, run: \(options.command) (it verifies the phases already installed and continues at \(phase)), or \(options.command) --from \(phase) to apply it and the phases after it again"
  }

  func runTests(options: InstallOptions) async -> InstallResult.Tests {
    let tests = options.phaseSet.selection(profile: options.profile, kinds: [.test])
    guard !tests.isEmpty else { return .skipped("the phase set has no test phases") }
    if options.skipTests { return .skipped("--skip-tests") }
    if !options.only.isEmpty {
      return .skipped("--only installs selected phases; run the test phases with servestack test")
    }
    guard let runner = options.testRunner else {
      return .notRun(
        "skipped: run `servestack test --profile \(options.profile)` (test phases \(tests.map(\.name.rawValue).joined(separator: ", ")); no test runner is wired into install)"
      )
    }
    return .ran(await runner.runTestPhases(tests, parameters: options.parameters, client: client))
  }
}
