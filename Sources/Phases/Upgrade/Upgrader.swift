import Foundation
public import Kubernetes
import ServestackCore

/// `servestack upgrade apply`: the planned steps one after another through the install engine (each
/// step's changed phases applied and waited for), each step recorded in the state so that a kill resumes
/// with the same command, the old versions' leftovers pruned once a step is healthy; one Lease (the
/// install's) for the whole run.
public struct Upgrader: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// What is installed, the catalog, and the plan to the target.
  struct Context {
    var state: InstallState
    var installed: StackSelection
    var catalog: VersionCatalog
    var plan: UpgradePlan
    var kubernetes: KubernetesVersion?
  }

  func context(_ options: UpgradeOptions, store: InstallStateStore) async throws(PhaseError) -> Context {
    let state = try await store.load()
    guard let installed = state.stack else {
      throw PhaseError(
        .state,
        "nothing to upgrade: the install state (configmap \(store.namespace)/\(InstallStateStore.configMapName)) records no stack set; install one with servestack install --stack SET"
      )
    }
    try Self.checkInstalled(installed, state: state, options: options)
    if let profile = state.profile, profile != options.parameters.profile {
      // The phases of another profile would install its components and prune the installed ones.
      throw PhaseError(
        .selection,
        "upgrade: the stack was installed with profile \(profile.rawValue), not \(options.parameters.profile.rawValue); pass --profile \(profile.rawValue) (changing the profile is an uninstall and an install, not an upgrade)"
      )
    }
    guard let catalog = try PhaseSet.catalog(phases: options.phases) else {
      throw PhaseError(
        .selection, "upgrade: the phase folder \(options.phases?.path ?? "") has no version catalog (versions/)")
    }
    let planner = UpgradePlanner(catalog: catalog)
    var rollbackTo = state.upgrade?.previous
    if let record = state.upgrade, record.rollback, !record.finished, record.target == options.target.description {
      // Resuming a rollback: its target is the versions it goes back to.
      rollbackTo = StackSelection(
        name: options.target.description,
        components: try planner.targetVersions(installed: installed, target: options.target))
    }
    let kubernetes = await serverVersion()
    var plan = try planner.plan(
      installed: installed, target: options.target, rollbackTo: rollbackTo, direct: options.direct,
      kubernetes: kubernetes,
      ignored: options.ignored)
    if plan.steps.isEmpty, let back = Self.reapply(state, installed: installed) {
      // A step that failed half-applied: going back to the recorded versions re-applies them.
      plan = UpgradePlan(target: options.target, installed: installed, steps: [back], findings: [])
    }
    try await checkRollback(plan, options: options)
    return Context(state: state, installed: installed, catalog: catalog, plan: plan, kubernetes: kubernetes)
  }

  /// Refuses an installed set that `options.requiredInstalled` does not name (an unfinished upgrade begun
  /// from one of them resumes).
  static func checkInstalled(_ installed: StackSelection, state: InstallState, options: UpgradeOptions)
    throws(PhaseError)
  {
    guard let (sets, origin) = options.requiredInstalled, !sets.contains(installed.name) else { return }
    if let record = state.upgrade, !record.finished, sets.contains(record.previous.name) { return }
    throw PhaseError(
      .selection,
      "\(origin) carries the stack sets \(sets.joined(separator: " and ")), and the cluster has \(installed.name) installed: "
        + "it cannot upgrade from there; make a bundle for this cluster with servestack bundle create --stack \(sets.last ?? "SET") --upgrade-from \(installed.name)"
    )
  }

  /// One rollback step re-applying `installed` when phases of an interrupted or failed step carry
  /// other versions (the step never became healthy, so the state still names the versions before it).
  static func reapply(_ state: InstallState, installed: StackSelection) -> UpgradeStep? {
    var changes: [UpgradeStep.Change] = []
    for record in state.records.values.sorted(by: { ($0.component ?? "") < ($1.component ?? "") }) {
      guard let component = record.component, let version = record.version,
        let wanted = installed.components.first(where: { $0.component == component })?.version, version != wanted,
        !changes.contains(where: { $0.component == component })
      else { continue }
      changes.append(UpgradeStep.Change(component: component, from: version, to: wanted))
    }
    guard !changes.isEmpty else { return nil }
    return UpgradeStep(index: 1, changes: changes, versions: installed.components, name: installed.name, rollback: true)
  }

  func serverVersion() async -> KubernetesVersion? {
    guard let text = (try? await client.getJSON(path: "/version"))?["gitVersion"]?.stringValue else { return nil }
    return try? KubernetesVersion(text)
  }

  /// Runs the upgrade.
  ///
  /// #### Errors
  /// ``PhaseError``: `state` (nothing installed), `selection` (no path, a skip, an unknown target),
  /// rendering errors, `lockHeld` (an install or upgrade runs), `cluster`.
  public func apply(_ options: UpgradeOptions, events: @escaping UpgradeEventSink = { _ in }) async throws(PhaseError)
    -> UpgradeResult
  {
    let started = ContinuousClock.now
    let store = InstallStateStore(client: client, namespace: options.stateNamespace)
    let context = try await context(options, store: store)
    var result = UpgradeResult(
      plan: context.plan, steps: [], warnings: context.plan.findings.filter(\.ignored).map(\.message), duration: .zero)
    guard context.plan.failures.isEmpty, !context.plan.steps.isEmpty else {
      result.duration = .now - started
      return result
    }
    let (lock, warning) = try await InstallLock.acquire(
      client: client, namespace: options.stateNamespace, duration: options.leaseDuration)
    if let warning {
      result.warnings.append(warning)
      events(.warning(warning))
    }
    let probe: UpgradeProbeRun?
    do throws(PhaseError) {
      probe = try await startProbe(options, events: events)
    } catch {
      await lock.release()
      throw error
    }
    let finalSet: PhaseSet?
    do throws(PhaseError) {
      finalSet = try await run(context, options: options, store: store, result: &result, events: events)
    } catch {
      _ = await probe?.stop()
      await lock.release()
      throw error
    }
    result.probe = await probe?.stop()
    if let summary = result.probe { events(.probe(summary)) }
    if let finalSet {
      var install = options.installOptions(finalSet)
      install.skipTests = options.skipTests
      install.testRunner = options.testRunner
      result.tests = await Installer(client: client).runTests(options: install)
    } else {
      result.tests = .skipped("an upgrade step failed")
    }
    await lock.release()
    result.duration = .now - started
    return result
  }

  /// Makes the probe answer before anything changes, then keeps asking it in the background.
  private func startProbe(_ options: UpgradeOptions, events: UpgradeEventSink) async throws(PhaseError)
    -> UpgradeProbeRun?
  {
    guard let probe = options.probe else { return nil }
    let target: UpgradeProbeTarget
    do {
      target = try await probe.prepare(client: client)
    } catch {
      throw PhaseError(
        .cluster,
        "the upgrade did not start, nothing was changed: its probe InferenceService does not answer before the first step (\(error.userMessage)); make the installed stack serve (servestack test), or upgrade without the probe with --no-probe",
        cause: error)
    }
    events(.probeStarted(target.description))
    let run = UpgradeProbeRun(target: target, interval: options.probeInterval)
    run.start()
    return run
  }

  private func run(
    _ context: Context, options: UpgradeOptions, store: InstallStateStore, result: inout UpgradeResult,
    events: @escaping UpgradeEventSink
  ) async throws(PhaseError) -> PhaseSet? {
    var state = context.state
    let target = options.target.description
    if let record = state.upgrade, !record.finished, record.target == target {
      events(.warning("resuming the upgrade to \(target) begun from \(record.previous.name)"))
    } else {
      state.upgrade = UpgradeRecord(
        target: target, previous: context.installed, rollback: context.plan.steps.first?.rollback ?? false)
      try await store.save(state)
    }
    let previous = state.upgrade?.previous
    let installer = Installer(client: client)
    var current = context.installed
    var last: PhaseSet?
    for step in context.plan.steps {
      events(.stepStarted(step, total: context.plan.steps.count))
      var phaseSet = try PhaseSet.resolve(phases: options.phases, extra: options.extraPhases, step: step)
      // The state names the step's versions only once the step is healthy (a kill resumes this step).
      phaseSet.stack = current
      let install = options.installOptions(phaseSet)
      let selected = phaseSet.selection(profile: install.profile, kinds: [.install])
      let prepared = try await installer.prepare(selected, options: install)
      try await installer.checkWaitTargets(prepared.map(\.rendered))

      state = try await store.load()
      let fresh = Set(prepared.flatMap { PhaseRunner.stored($0.objects.map(KubeObject.init)) }.map(\.pruneKey))
      let old = state.records.values.flatMap(\.objects).filter {
        !fresh.contains($0.pruneKey) && $0.kind != "Namespace"
      }
      let pending = InstallState.union(state.upgrade?.prune ?? [], old).filter { !fresh.contains($0.pruneKey) }
      state.upgrade?.prune = pending
      try await store.save(state)

      var outcome = UpgradeResult.StepOutcome(step: step, install: nil)
      if let hooks = options.crdHooks {
        outcome.crdMigrations = try await migrate(
          hooks, step: step, current: current, prepared: prepared, options: options)
      }
      let toApply = prepared.filter { state.decision(for: $0.rendered.name, digest: $0.digest) != .verify }
      if !toApply.isEmpty {
        let engine = try await installer.runPhases(
          toApply, store: store, preflight: nil, options: install, started: .now, warnings: [],
          events: { events(.engine($0)) })
        outcome = UpgradeResult.StepOutcome(step: step, install: engine, crdMigrations: outcome.crdMigrations)
      }
      guard outcome.succeeded else {
        result.steps.append(outcome)
        result.resumeCommand = options.command
        if let previous {
          result.rollbackCommand =
            context.catalog.stack(named: previous.name) != nil
            ? "servestack upgrade apply --to \(previous.name)" + options.otherFlags : nil
        }
        events(.stepFinished(step, succeeded: false))
        return nil
      }
      state = try await store.load()
      try await prune(&outcome, state: &state, keep: fresh, phaseSet: phaseSet, options: options)
      events(.pruned(step: step.index, deleted: outcome.pruned, kept: outcome.kept, failed: outcome.pruneFailures))
      state.stack = step.selection
      try await store.save(state)
      current = step.selection
      result.steps.append(outcome)
      events(.stepFinished(step, succeeded: true))
      last = phaseSet
    }
    state.upgrade?.finished = true
    try await store.save(state)
    return last
  }

  /// Runs the stored-version migration hook with the CRDs before and after the step.
  private func migrate(
    _ hooks: any CRDVersionHooks, step: UpgradeStep, current: StackSelection, prepared: [Installer.Prepared],
    options: UpgradeOptions
  ) async throws(PhaseError) -> [String] {
    let before = UpgradeStep(index: 0, changes: [], versions: current.components, name: current.name, rollback: false)
    let oldSet = try PhaseSet.resolve(phases: options.phases, extra: options.extraPhases, step: before)
    let old = try await Installer(client: client).prepare(
      oldSet.selection(profile: options.parameters.profile, kinds: [.install]), options: options.installOptions(oldSet))
    do {
      return try await hooks.migrateStoredVersions(
        from: old.flatMap(\.objects), to: prepared.flatMap(\.objects), client: client)
    } catch {
      throw PhaseError(
        .cluster, "step \(step.index) (\(step.summary)): migrating stored CRD versions failed: \(error.userMessage)",
        cause: error)
    }
  }
}
