import Foundation
import HTTP
import Kubernetes
import ServestackCore

extension TestRunner {
  /// Ready replicas of the InferenceService's predictor Deployments (every revision in Knative mode).
  func readyReplicas(_ isvc: String, run: RunContext) async throws(KubeError) -> (
    ready: Int, desired: Int, names: [String]
  ) {
    let selector = "\(KubeKinds.inferenceServiceLabel)=\(isvc)"
    let deployments = try await client.list(
      GroupVersionKind.deployment, namespace: run.namespace, options: ListOptions(labelSelector: selector))
    var ready = 0
    var desired = 0
    for deployment in deployments.items {
      ready += deployment[path: "status", "readyReplicas"]?.intValue ?? 0
      desired += deployment[path: "spec", "replicas"]?.intValue ?? 0
    }
    return (ready, desired, deployments.items.compactMap(\.name))
  }

  func observeReplicas(
    _ isvc: String, bound: ConformanceStep.ReplicaBound, load: ConformanceStep.LoadSpec?, step: ConformanceStep,
    state: inout PhaseState, run: RunContext
  ) async -> StepOutcome {
    let started = ContinuousClock.now
    let deadline = started + step.timeout
    var endpoint: InferenceEndpoint?
    if load != nil {
      switch await self.endpoint(for: isvc, run: run) {
      case .success(let found): endpoint = found
      case .failure(let failure): return StepOutcome(.failed, failure.reason)
      }
    }
    var initial: Int?
    var current = 0
    var desired = 0
    var maximum = 0
    var reachedAt: ContinuousClock.Instant?
    var lastError: String?
    var loadTask: Task<LoadResult, Never>?
    var loadOptions: LoadOptions?
    var polls: [(seconds: Double, ready: Int)] = []
    if let load, endpoint != nil {
      let remaining = deadline - ContinuousClock.now
      do {
        loadOptions = try LoadOptions(
          concurrency: min(load.concurrency, LoadOptions.maximumConcurrency), duration: min(load.duration, remaining),
          request: load.request, expectation: load.expectation)
      } catch {
        return StepOutcome(.failed, "\(step.source): \(error.message)")
      }
    }
    let loadStarted = ContinuousClock.now
    // Poll the replicas before starting the load, so that "from zero" is known for the cold start.
    if let counts = try? await readyReplicas(isvc, run: run) {
      initial = counts.ready
      current = counts.ready
      maximum = counts.ready
    }
    if let loadOptions, let endpoint {
      let generator = LoadGenerator(client: inference)
      loadTask = Task { await generator.run(loadOptions, against: endpoint) }
    }
    let grace: Duration = .seconds(10)
    while !Task.isCancelled {
      let now = ContinuousClock.now
      do {
        let counts = try await readyReplicas(isvc, run: run)
        current = counts.ready
        desired = counts.desired
        maximum = max(maximum, counts.ready)
        if initial == nil { initial = counts.ready }
        polls.append(((now - loadStarted).seconds, counts.ready))
        lastError = nil
      } catch {
        lastError = error.message
      }
      if reachedAt == nil && lastError == nil && bound.holds(current) { reachedAt = now }
      if reachedAt != nil && loadTask == nil { break }
      if now >= deadline { break }
      if let loadOptions, reachedAt == nil, now > loadStarted + loadOptions.duration + grace { break }
      // Under load, keep counting until the load ends, for the highest replica count.
      if loadTask != nil, reachedAt != nil, now > loadStarted + (loadOptions?.duration ?? .zero) { break }
      try? await Task.sleep(for: .milliseconds(500))
    }
    var metrics: [String: Double] = [:]
    var problems: [String] = []
    var timeline: [TimelinePoint] = []
    if let loadTask {
      let result = await loadTask.value
      // About 60 windows whatever the duration, at least a second each.
      let window = max(1, ((loadOptions?.duration ?? .seconds(30)).seconds / 60).rounded(.up))
      let start = initial.map { [(seconds: 0.0, ready: $0)] } ?? []
      timeline = TimelinePoint.windows(replicas: start + polls, answers: result.answers, window: window)
      state.loadEndedAt = loadStarted + .milliseconds(Int64(result.elapsedSeconds * 1000))
      metrics["requests"] = Double(result.requests)
      metrics["errors"] = Double(result.errors)
      metrics["requestsPerSecond"] = result.requestsPerSecond
      metrics["latencyP50Seconds"] = result.latency.p50Seconds
      metrics["latencyP95Seconds"] = result.latency.p95Seconds
      metrics["latencyP99Seconds"] = result.latency.p99Seconds
      metrics["latencyMaxSeconds"] = result.latency.maxSeconds
      if result.requests > 0 { state.warmLatency = (result.latency.p50Seconds, result.latency.p99Seconds) }
      if initial == 0, let first = result.firstLatencySeconds { metrics["coldStartSeconds"] = first }
      let allowed = (load?.maxErrorRate ?? 0) * Double(max(1, result.requests))
      if result.requests == 0 {
        problems.append("the load sent no request")
      } else if Double(result.errors) > allowed {
        problems.append(
          "\(result.errors) of \(result.requests) requests failed (allowed \(Int(((load?.maxErrorRate ?? 0) * 100).rounded()))%): \(result.firstError ?? "")"
        )
      }
    }
    metrics["maxReadyReplicas"] = Double(maximum)
    if let reachedAt {
      switch bound {
      case .above: metrics["scaleUpSeconds"] = (reachedAt - loadStarted).seconds
      case .atMost:
        if let ended = state.loadEndedAt { metrics["scaleDownSeconds"] = max(0, (reachedAt - ended).seconds) }
      }
    }
    let what = "ready replicas of \(isvc)"
    if reachedAt == nil {
      var reason =
        "\(what) stayed at \(current) (wanted \(bound)) for \(formatSeconds((ContinuousClock.now - started).seconds))"
      if loadTask != nil { reason += " under load of \(load?.concurrency ?? 0) concurrent requests" }
      reason += "; desired \(desired), highest seen \(maximum)"
      if let lastError { reason += "; last error: \(lastError)" }
      var diagnosis = problems
      diagnosis += await InferenceServiceDiagnoser(client: client).diagnose(
        inferenceService: isvc, namespace: run.namespace)
      var outcome = StepOutcome(.failed, reason, diagnosis: diagnosis, metrics: metrics)
      outcome.timeline = timeline
      return outcome
    }
    if !problems.isEmpty {
      var outcome = StepOutcome(.failed, problems[0], diagnosis: Array(problems.dropFirst()), metrics: metrics)
      outcome.timeline = timeline
      return outcome
    }
    var reason = "\(what) \(current) (\(bound))"
    if let up = metrics["scaleUpSeconds"] { reason = "\(what) rose to \(maximum) after \(formatSeconds(up))" }
    if let down = metrics["scaleDownSeconds"] {
      reason = "\(what) fell to \(current) \(formatSeconds(down)) after the load"
    }
    if let p99 = metrics["latencyP99Seconds"], let requests = metrics["requests"] {
      reason += "; \(Int(requests)) requests, p99 \(formatSeconds(p99))"
    }
    var outcome = StepOutcome(.passed, reason, metrics: metrics)
    outcome.timeline = timeline
    return outcome
  }

  func observeGPUNodes(resource: String, atLeast: Int, required: Bool, state: inout PhaseState) async -> StepOutcome {
    let inventory: (gpu: [(String, Int)], total: Int)
    do {
      inventory = try await GPUInventory.nodes(with: resource, client: client)
    } catch {
      return StepOutcome(.failed, "cannot list nodes: \(error.message)")
    }
    let list = inventory.gpu.map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
    if inventory.gpu.count >= atLeast {
      return StepOutcome(
        .passed,
        "\(inventory.gpu.count) node\(inventory.gpu.count == 1 ? "" : "s") with allocatable \(resource): \(list)")
    }
    let reason =
      "no GPU node: \(inventory.gpu.count) of \(inventory.total) nodes have allocatable \(resource)"
      + (atLeast > 1 ? " (need \(atLeast))" : "")
    state.skipReason = "skipped: \(reason)"
    if required { return StepOutcome(.failed, reason + "; --require-gpu makes that a failure") }
    return StepOutcome(.skipped, reason)
  }

  /// Sends requests for a few seconds while sampling the DCGM exporter; the GPU the predictor pod got must
  /// reach `atLeast` percent utilisation.
  func observeGPUUtilization(
    _ isvc: String, request: InferenceRequest, atLeast: Double, metricsURL: String, step: ConformanceStep,
    state: PhaseState, run: RunContext
  ) async -> StepOutcome {
    let allocation = await allocationProof(state.gpuPlacement, run: run)
    let proven = allocation.map { "; proven: \($0.level.description) (\($0.evidence))" } ?? ""
    let reached = max(state.gpuProof ?? GPUProofLevel.none, allocation?.level ?? GPUProofLevel.none)
    let requireUse = run.parameters["requireGPUUse"] == "true"
    guard !metricsURL.isEmpty else {
      let missing = "no DCGM exporter metrics to read (pass --dcgm-url http://…:9400/metrics where DCGM runs)"
      if requireUse { return Self.gpuUseNotProven(missing, reached: reached, run: run) }
      return StepOutcome(.skipped, missing + proven, gpuProof: allocation?.level)
    }
    let selector = "\(KubeKinds.inferenceServiceLabel)=\(isvc)"
    let pods =
      ((try? await client.list(
        GroupVersionKind.pod, namespace: run.namespace, options: ListOptions(labelSelector: selector)))?.items ?? [])
      .compactMap(\.name)
    let endpoint: InferenceEndpoint
    switch await self.endpoint(for: isvc, run: run) {
    case .success(let found): endpoint = found
    case .failure(let failure): return StepOutcome(.failed, failure.reason)
    }
    let window = min(Duration.seconds(3), step.timeout)
    let inference = self.inference
    let sender = Task {
      let end = ContinuousClock.now + window
      var answered = 0
      while ContinuousClock.now < end && !Task.isCancelled {
        if await inference.send(request, to: endpoint).status.map({ (200..<300).contains($0) }) == true {
          answered += 1
        }
      }
      return answered
    }
    var highest: Double?
    var seenPods = Set<String>()
    var fetchError: String?
    let end = ContinuousClock.now + window + .milliseconds(500)
    while ContinuousClock.now < end {
      do {
        let response = try await inference.http.get(metricsURL)
        guard response.isSuccess else { throw StepFailure("\(metricsURL) answered \(response.status)") }
        for sample in PrometheusSample.parse(response.text) where sample.name == "DCGM_FI_DEV_GPU_UTIL" {
          let pod = sample.labels["pod"] ?? sample.labels["exported_pod"] ?? ""
          if !pod.isEmpty { seenPods.insert(pod) }
          let namespace = sample.labels["namespace"] ?? sample.labels["exported_namespace"]
          guard pods.contains(pod), namespace == nil || namespace == run.namespace else { continue }
          highest = max(highest ?? 0, sample.value)
        }
        fetchError = nil
      } catch let error as HTTPError {
        fetchError = error.message
      } catch {
        fetchError = (error as? StepFailure)?.reason ?? "\(error)"
      }
      try? await Task.sleep(for: .milliseconds(250))
    }
    let answered = await sender.value
    let level = allocation?.level
    if let fetchError, highest == nil {
      return StepOutcome(.failed, "cannot read DCGM metrics from \(metricsURL): \(fetchError)", gpuProof: level)
    }
    guard let highest else {
      return StepOutcome(
        .failed,
        "DCGM reports no GPU for the predictor pod\(pods.count == 1 ? "" : "s") \(pods.joined(separator: ", "))",
        diagnosis: ["pods with GPU metrics: \(seenPods.isEmpty ? "none" : seenPods.sorted().joined(separator: ", "))"],
        gpuProof: level)
    }
    let metrics = ["gpuUtilizationMaxPercent": highest]
    if answered == 0 {
      return StepOutcome(
        .failed, "no request was answered while the GPU was sampled", metrics: metrics, gpuProof: level)
    }
    if highest < atLeast {
      return StepOutcome(
        .failed,
        "the GPU of \(pods.joined(separator: ", ")) stayed at \(Int(highest))% during \(answered) requests (wanted at least \(Int(atLeast))%)",
        metrics: metrics, gpuProof: level)
    }
    // A pass with atLeast 0 and an idle GPU proves nothing about use: the level stays where allocation left it.
    guard highest > 0 else {
      if requireUse {
        var outcome = Self.gpuUseNotProven(
          "DCGM showed the GPU at 0% during \(answered) requests", reached: reached, run: run)
        outcome.metrics = metrics
        return outcome
      }
      return StepOutcome(
        .passed, "GPU utilisation stayed at 0% during \(answered) requests (allowed by atLeast 0; GPU use not proven)",
        metrics: metrics, gpuProof: level)
    }
    return StepOutcome(
      .passed, "GPU utilisation reached \(Int(highest))% during \(answered) requests", metrics: metrics,
      gpuProof: .gpuBusy)
  }

  /// The failure of a GPU-busy check that `requireGPUUse` (`--require-gpu` with a model that uses the GPU)
  /// makes mandatory: what was proven, and what was not.
  static func gpuUseNotProven(_ why: String, reached: GPUProofLevel, run: RunContext) -> StepOutcome {
    StepOutcome(
      .failed, reached.useNotProven(why, model: run.parameters["gpuModel"] ?? "?"), gpuProof: reached)
  }

  /// Looks again at the pod a placement step found on a GPU node: by now it may be Running, which proves the
  /// GPU was allocated to it.
  func allocationProof(
    _ placement: (pod: String, node: String, resource: String)?, run: RunContext
  ) async -> (level: GPUProofLevel, evidence: String)? {
    guard let placement else { return nil }
    let pod = try? await client.get(
      ObjectReference(GroupVersionKind.pod, namespace: run.namespace, name: placement.pod))
    let node = try? await client.get(ObjectReference(GroupVersionKind.node, name: placement.node))
    guard let pod, let level = GPUInventory.proof(pod: pod, node: node, resource: placement.resource) else {
      return nil
    }
    let count = GPUInventory.requested(placement.resource, pod: pod)
    let evidence =
      level == .gpuAllocated
      ? "pod \(placement.pod) requests \(count) \(placement.resource) and runs on node \(placement.node)"
      : "pod \(placement.pod) is on node \(placement.node) but not running with \(placement.resource)"
    return (level, evidence)
  }
}
