import Foundation
import Kubernetes
import ServestackCore

extension TestRunner {
  /// After the load: waits until the predictor has no ready replica, within the time Knative allows an idle
  /// revision (stable window + scale-to-zero grace period from `config-autoscaler`), then sends one request
  /// and reports its latency as the cold start, beside the warm p50/p99 of the load.
  func observeScaleToZero(
    _ spec: ConformanceStep.ScaleToZeroSpec, step: ConformanceStep, state: PhaseState, run: RunContext
  ) async -> StepOutcome {
    let started = ContinuousClock.now
    let isvc = spec.inferenceService
    let reference = ObjectReference(KubeKinds.inferenceService, namespace: run.namespace, name: isvc)
    let object: KubeObject
    do {
      guard let found = try await client.getIfExists(reference) else {
        return StepOutcome(.failed, "InferenceService \(run.namespace)/\(isvc) does not exist")
      }
      object = found
    } catch {
      return StepOutcome(.failed, "cannot read InferenceService \(run.namespace)/\(isvc): \(error.message)")
    }
    if run.options.profile == "raw" || object.annotations["serving.kserve.io/deploymentMode"] == "RawDeployment" {
      return StepOutcome(
        .skipped,
        "KServe's RawDeployment does not scale to zero (its HPA keeps at least one replica): scale to zero and cold start not measured"
      )
    }
    // KServe's default minReplicas is 1: scale to zero only when the spec asks for 0.
    let minReplicas = object[path: "spec", "predictor", "minReplicas"]?.intValue ?? 1
    if minReplicas > 0 {
      return StepOutcome(
        .skipped, "minReplicas of \(isvc) is \(minReplicas): scale to zero is off, no cold start to measure")
    }
    let config = await KnativeAutoscalerConfig.read(
      spec.autoscalerConfig, client: client, annotations: object.annotations)
    if !config.scaleToZeroEnabled {
      return StepOutcome(
        .skipped, "enable-scale-to-zero is false in \(config.source): scale to zero and cold start not measured")
    }
    let since = state.loadEndedAt ?? started
    let stepDeadline = started + step.timeout
    let deadline = min(since + config.bound, stepDeadline)
    var ready = -1
    var desired = 0
    var lastError: String?
    var zeroAt: ContinuousClock.Instant?
    while !Task.isCancelled {
      let now = ContinuousClock.now
      do {
        let counts = try await readyReplicas(isvc, run: run)
        (ready, desired) = (counts.ready, counts.desired)
        lastError = nil
        if ready == 0 {
          zeroAt = now
          break
        }
      } catch {
        lastError = error.message
      }
      if now >= deadline { break }
      try? await Task.sleep(for: .milliseconds(500))
    }
    guard let zeroAt else {
      let after = formatSeconds((ContinuousClock.now - since).seconds)
      var reason =
        "ready replicas of \(isvc) stayed at \(max(ready, 0)) (desired \(desired)) \(after) after the load; "
        + "Knative scales an idle revision to zero within \(formatSeconds(config.bound.seconds)): \(config.boundText)"
      if deadline == stepDeadline && stepDeadline < since + config.bound {
        reason += "; the step's timeout ended the wait first"
      }
      if let lastError { reason += "; last error: \(lastError)" }
      var diagnosis = [
        "the autoscaler keeps replicas of an idle revision: check its PodAutoscaler (kubectl -n \(run.namespace) get podautoscalers) and the autoscaling.knative.dev/min-scale annotation"
      ]
      diagnosis += await InferenceServiceDiagnoser(client: client).diagnose(
        inferenceService: isvc, namespace: run.namespace)
      return StepOutcome(.failed, reason, diagnosis: diagnosis)
    }
    var metrics: [String: Double] = [:]
    if state.loadEndedAt != nil { metrics["scaleDownSeconds"] = max(0, (zeroAt - since).seconds) }
    let endpoint: InferenceEndpoint
    switch await self.endpoint(for: isvc, run: run) {
    case .success(let found): endpoint = found
    case .failure(let failure): return StepOutcome(.failed, failure.reason, metrics: metrics)
    }
    var request = spec.request
    request.timeout = min(request.timeout, max(stepDeadline - ContinuousClock.now, .seconds(1)))
    let response = await inference.send(request, to: endpoint)
    let problems =
      spec.expectation?.problems(with: response) ?? (response.status == nil ? [response.failureSummary] : [])
    if !problems.isEmpty {
      var failed = await failedRequest(response, problems, isvc: isvc, run: run)
      failed.reason = "the first request from zero replicas failed: " + failed.reason
      failed.metrics = metrics
      return failed
    }
    metrics["coldStartSeconds"] = response.latency.seconds
    let down = metrics["scaleDownSeconds"].map { " \(formatSeconds($0)) after the load" } ?? ""
    var reason =
      "ready replicas of \(isvc) fell to 0\(down) (Knative's bound \(formatSeconds(config.bound.seconds))); cold start \(formatSeconds(response.latency.seconds))"
    if let warm = state.warmLatency {
      reason += " (warm p50 \(formatSeconds(warm.p50)), p99 \(formatSeconds(warm.p99)))"
    }
    return StepOutcome(.passed, reason, metrics: metrics)
  }
}
