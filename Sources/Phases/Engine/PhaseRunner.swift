import Kubernetes
import ServestackCore

/// Runs one rendered install phase: applies its objects (Namespaces and CRDs first, objects guarded by
/// the phase's own webhooks after those serve) and waits for everything in its `wait:` list. Failures are
/// results, never throws.
struct PhaseRunner: Sendable {
  let client: KubeClient
  let events: EngineEventSink

  /// Applies `objects` (the phase's, possibly rewritten) and waits, within `timeout`.
  func apply(_ phase: RenderedPhase, objects: [JSONValue], digest: Digest, timeout: Duration, reason: String) async
    -> PhaseResult
  {
    let started = ContinuousClock.now
    let deadline = started + timeout
    let kube = objects.map(KubeObject.init)
    let resolver = ResourceResolver(objects: objects, client: client)
    let plan = await GuardPlan.make(objects: objects, resolver: resolver)
    var result = PhaseResult(name: phase.name, outcome: .succeeded, reason: reason, digest: digest)
    result.applied = Self.stored(kube)

    let first = await applyMany(plan.immediate.map { kube[$0] }, deadline: deadline)
    result.objects = first.counts
    events(.objectsApplied(phase: phase.name, counts: first.counts))
    guard first.problems.isEmpty else {
      result.outcome = .failed
      result.problems = first.problems
      result.duration = .now - started
      return result
    }

    let (targets, unresolved) = waitTargets(phase, objects: kube)
    let webhooks =
      phase.spec.wait.contains(.webhooksServing)
      ? objects.flatMap(WebhookDefinition.webhooks(of:)) : plan.guardingWebhooks
    let serving = WebhookServing(client: client, resolver: resolver, probes: phase.webhookProbes)
    async let standard = runWaits(targets, phase: phase.name, deadline: deadline)
    let hookOutcomes = await webhookWaits(
      webhooks, serving: serving, objects: kube, phase: phase.name, deadline: deadline)

    if !plan.guarded.isEmpty {
      let ready = plan.guarded.filter { entry in entry.webhooks.allSatisfy { hookOutcomes[$0]?.satisfied == true } }
      let blocked = plan.guarded.filter { entry in !entry.webhooks.allSatisfy { hookOutcomes[$0]?.satisfied == true } }
      if !ready.isEmpty {
        let second = await applyMany(ready.map { kube[$0.index] }, deadline: deadline)
        result.objects = result.objects + second.counts
        result.problems += second.problems
        events(.objectsApplied(phase: phase.name, counts: second.counts))
      }
      for entry in blocked {
        let names = entry.webhooks.filter { hookOutcomes[$0]?.satisfied != true }.map { "\"\($0.name)\"" }.joined(
          separator: ", ")
        let failure = ObjectCounts.Failure(
          object: kube[entry.index].displayName,
          message: "not applied: it goes through webhook \(names), which does not serve")
        result.objects.failures.append(failure)
        result.problems.append(failure.description)
      }
    }
    let waits = await standard + unresolved + webhooks.compactMap { hookOutcomes[$0] }
    result.waits = waits
    result.problems += waits.compactMap(\.problem)
    if !result.problems.isEmpty { result.outcome = .failed }
    result.duration = .now - started
    return result
  }

  /// Re-checks the waits of a phase applied before (nothing is applied): unchanged when they hold.
  func verify(_ phase: RenderedPhase, objects: [JSONValue], digest: Digest, timeout: Duration) async -> PhaseResult {
    let started = ContinuousClock.now
    let deadline = started + timeout
    let kube = objects.map(KubeObject.init)
    let (targets, unresolved) = waitTargets(phase, objects: kube)
    let webhooks = phase.spec.wait.contains(.webhooksServing) ? objects.flatMap(WebhookDefinition.webhooks(of:)) : []
    let serving = WebhookServing(
      client: client, resolver: ResourceResolver(objects: objects, client: client), probes: phase.webhookProbes)
    async let standard = runWaits(targets, phase: phase.name, deadline: deadline)
    let hookOutcomes = await webhookWaits(
      webhooks, serving: serving, objects: kube, phase: phase.name, deadline: deadline)
    let waits = await standard + unresolved + webhooks.compactMap { hookOutcomes[$0] }
    let problems = waits.compactMap(\.problem)
    return PhaseResult(
      name: phase.name, outcome: problems.isEmpty ? .unchanged : .failed,
      reason: problems.isEmpty ? "installed before with the same digest; verified" : "verification failed",
      waits: waits, duration: .now - started, digest: digest, applied: Self.stored(kube), problems: problems)
  }

  /// A server-side dry run of the phase: what applying it would do, no waits.
  ///
  /// - Parameter planned: the kinds and namespaces that earlier phases of the same plan would create, so
  ///   that their objects count as created instead of failing as unknown.
  func dryRun(_ phase: RenderedPhase, objects: [JSONValue], digest: Digest, planned: PlannedScope) async -> PhaseResult
  {
    let started = ContinuousClock.now
    let kube = objects.map(KubeObject.init)
    let applied = await client.applyMany(kube, options: ApplyManyOptions(force: true, dryRun: true))
    var counts = ObjectCounts()
    var outcomes: [ObjectOutcome] = []
    for item in applied.results {
      let name = item.reference?.description ?? kube[item.index].displayName
      var outcome = item.outcome
      if let error = outcome.error, planned.explains(error, object: kube[item.index]) { outcome = .created }
      if case .configured = outcome, let answer = item.object, let reference = item.reference,
        let live = try? await client.getIfExists(reference), PlanDiff.same(live: live, dryRun: answer)
      {
        outcome = .unchanged
      }
      switch outcome {
      case .created: counts.created += 1
      case .configured: counts.configured += 1
      case .unchanged: counts.unchanged += 1
      case .failed(let error): counts.failures.append(ObjectCounts.Failure(object: name, message: error.message))
      }
      outcomes.append(ObjectOutcome(object: name, outcome: outcome))
    }
    events(.objectsApplied(phase: phase.name, counts: counts))
    return PhaseResult(
      name: phase.name, outcome: counts.failed > 0 ? .failed : .planned, reason: "server-side dry run", objects: counts,
      duration: .now - started, digest: digest, applied: Self.stored(kube), objectOutcomes: outcomes,
      problems: counts.failures.map(\.description))
  }

  struct Applied {
    var counts: ObjectCounts
    var problems: [String]
  }

  /// Applies objects (server-side apply, taking over conflicting fields as `kubectl apply --server-side
  /// --force-conflicts` does) and counts the outcomes.
  func applyMany(_ objects: [KubeObject], deadline: ContinuousClock.Instant) async -> Applied {
    guard !objects.isEmpty else { return Applied(counts: ObjectCounts(), problems: []) }
    let establish = max(.seconds(1), deadline - .now)
    let result = await client.applyMany(objects, options: ApplyManyOptions(force: true, establishTimeout: establish))
    var counts = ObjectCounts(created: result.created, configured: result.configured, unchanged: result.unchanged)
    var problems: [String] = []
    for failure in result.failures {
      let name = failure.reference?.description ?? objects[failure.index].displayName
      let message = failure.outcome.error?.message ?? "failed"
      counts.failures.append(ObjectCounts.Failure(object: name, message: message))
      problems.append("apply \(name) failed: \(message)")
    }
    for wait in result.establishFailures {
      problems.append(wait.error?.message ?? "\(wait.reference) not established: \(wait.state.text)")
    }
    return Applied(counts: counts, problems: problems)
  }

  static func stored(_ objects: [KubeObject]) -> [StoredObject] {
    objects.compactMap { object in
      guard let apiVersion = object.apiVersion, let kind = object.kind, let name = object.name else { return nil }
      return StoredObject(
        apiVersion: apiVersion, kind: kind, namespace: object.namespace, name: name,
        managedBy: object.labels[StoredObject.managedByLabel] ?? "")
    }
  }
}

/// What the earlier phases of a dry run would create: their CRDs' kinds and their Namespaces.
struct PlannedScope: Sendable {
  var kinds: Set<String> = []
  var namespaces: Set<String> = []

  mutating func add(_ objects: [JSONValue]) {
    for object in objects {
      let kube = KubeObject(object)
      if kube.gvk?.isCustomResourceDefinition == true {
        for entry in ResourceResolver.entries(ofCRD: object) { kinds.insert(entry.gvk.groupKind) }
      } else if kube.gvk?.isNamespace == true, let name = kube.name {
        namespaces.insert(name)
      }
    }
  }

  /// Whether `error` only says that a kind or namespace does not exist yet which the plan creates.
  func explains(_ error: KubeError, object: KubeObject) -> Bool {
    if error.code == .unknownKind, let gvk = object.gvk { return kinds.contains(gvk.groupKind) }
    if error.code == .notFound, let namespace = object.namespace, namespaces.contains(namespace) {
      return (error.serverMessage ?? error.message).contains("namespaces")
    }
    return false
  }
}
