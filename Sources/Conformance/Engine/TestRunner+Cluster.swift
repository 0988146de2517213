import Kubernetes
import ServestackCore

extension TestRunner {
  func apply(
    _ objects: [JSONValue], phase: String, step: ConformanceStep, state: inout PhaseState, run: RunContext
  ) async -> StepOutcome {
    let prepared = objects.map { object -> KubeObject in
      var object = object
      object.set(.string(run.namespace), at: ["metadata", "namespace"])
      object.set("servestack", at: ["metadata", "labels", "app.kubernetes.io/managed-by"])
      object.set(.string(phase), at: ["metadata", "labels", "servestack.io/test-phase"])
      return KubeObject(object)
    }
    let result = await client.applyMany(
      prepared, options: ApplyManyOptions(defaultNamespace: run.namespace, fieldManager: Self.fieldManager))
    for item in result.results where item.outcome.error == nil {
      if let reference = item.reference, !state.applied.contains(reference) { state.applied.append(reference) }
    }
    guard result.succeeded else {
      let failures = result.failures.map { failure -> String in
        let what = failure.reference?.description ?? "object #\(failure.index + 1)"
        guard let error = failure.outcome.error else { return what }
        if error.code == .unknownKind || error.code == .notFound, failure.reference?.gvk.kind == "InferenceService" {
          return
            "\(what): \(error.message) — the cluster does not serve serving.kserve.io/v1beta1 InferenceService: is KServe installed?"
        }
        return "\(what): \(error.message)"
      }
      return StepOutcome(.failed, failures.first ?? "apply failed", diagnosis: Array(failures.dropFirst()))
    }
    let names = result.results.compactMap { $0.reference?.description }
    return StepOutcome(
      .passed, "\(names.joined(separator: ", ")) \(result.created == result.results.count ? "created" : "applied")")
  }

  func waitCondition(
    _ target: ConformanceStep.ObjectTarget, condition: String, status: String, step: ConformanceStep, run: RunContext
  ) async -> StepOutcome {
    let gvk: GroupVersionKind
    do {
      gvk = try GroupVersionKind(apiVersion: target.apiVersion, kind: target.kind)
    } catch {
      return StepOutcome(.failed, "\(step.source): \(error.message)")
    }
    let reference = ObjectReference(gvk, namespace: run.namespace, name: target.name)
    let result = await Waiter(client: client).wait(
      for: reference, until: .condition(condition, status: status), timeout: step.timeout)
    if result.satisfied {
      return StepOutcome(.passed, "\(target) \(condition)=\(status) after \(formatSeconds(result.elapsed.seconds))")
    }
    let diagnosis: [String]
    if target.kind == "InferenceService" {
      diagnosis = await InferenceServiceDiagnoser(client: client).diagnose(
        inferenceService: target.name, namespace: run.namespace)
    } else {
      diagnosis = result.diagnosis?.findings.map(\.description) ?? []
    }
    let reason =
      result.state == .pending("does not exist")
      ? "\(target) was never created (not \(condition)=\(status) after \(formatSeconds(step.timeout.seconds)))"
      : "\(target) not \(condition)=\(status) after \(formatSeconds(result.elapsed.seconds)): \(result.state.text)"
    return StepOutcome(.failed, reason, diagnosis: diagnosis)
  }

  /// Waits until a predictor pod of the InferenceService is bound to a node, then checks that node's
  /// allocatable `resource`.
  func waitPlacement(
    _ isvc: String, resource: String, step: ConformanceStep, state: inout PhaseState, run: RunContext
  ) async -> StepOutcome {
    let deadline = ContinuousClock.now + step.timeout
    let selector = "\(KubeKinds.inferenceServiceLabel)=\(isvc)"
    var lastState = "no predictor pod yet"
    while ContinuousClock.now < deadline && !Task.isCancelled {
      do {
        let pods = try await client.list(
          GroupVersionKind.pod, namespace: run.namespace, options: ListOptions(labelSelector: selector))
        let requesting = pods.items.filter { Self.requests(resource, pod: $0) }
        if let placed = requesting.first(where: { $0[path: "spec", "nodeName"]?.stringValue != nil }),
          let nodeName = placed[path: "spec", "nodeName"]?.stringValue
        {
          let node = try await client.get(ObjectReference(GroupVersionKind.node, name: nodeName))
          let count = GPUInventory.allocatable(node, resource)
          let pod = placed.name ?? "?"
          if count > 0 {
            let proof = GPUInventory.proof(pod: placed, node: node, resource: resource) ?? .placedOnGPUNode
            state.gpuPlacement = (pod, nodeName, resource)
            return StepOutcome(
              .passed, "pod \(pod) scheduled on node \(nodeName) (allocatable \(resource): \(count))", gpuProof: proof)
          }
          return StepOutcome(
            .failed, "pod \(pod) was scheduled on node \(nodeName), which has no allocatable \(resource)",
            diagnosis: ["node \(nodeName) allocatable: \(JSONDiff.brief(node[path: "status", "allocatable"] ?? .null))"]
          )
        }
        if !pods.items.isEmpty && requesting.isEmpty {
          return StepOutcome(
            .failed,
            "the predictor pods of \(isvc) do not request \(resource) (\(pods.items.compactMap(\.name).joined(separator: ", ")))"
          )
        }
        lastState = requesting.isEmpty ? "no predictor pod yet" : "pod \(requesting[0].name ?? "?") not scheduled yet"
      } catch {
        lastState = error.message
      }
      try? await Task.sleep(for: .milliseconds(500))
    }
    let diagnosis = await InferenceServiceDiagnoser(client: client).diagnose(
      inferenceService: isvc, namespace: run.namespace)
    return StepOutcome(
      .failed,
      "no predictor pod of \(isvc) was scheduled on a node with \(resource) within \(formatSeconds(step.timeout.seconds)): \(lastState)",
      diagnosis: diagnosis)
  }

  static func requests(_ resource: String, pod: KubeObject) -> Bool { GPUInventory.requested(resource, pod: pod) > 0 }

  /// Deletes what the phase applied, newest first, and waits until it is gone.
  func cleanup(_ step: ConformanceStep, state: inout PhaseState, run: RunContext) async -> CheckResult {
    let started = ContinuousClock.now
    func result(_ outcome: TestOutcome, _ reason: String, _ diagnosis: [String] = []) -> CheckResult {
      CheckResult(
        name: step.name, action: "cleanup", outcome: outcome, durationSeconds: (.now - started).seconds, reason: reason,
        diagnosis: diagnosis)
    }
    if state.applied.isEmpty { return result(.skipped, "nothing to delete") }
    if run.options.keep {
      return result(.skipped, "--keep: left \(state.applied.map(\.description).joined(separator: ", ")) in place")
    }
    var failures: [String] = []
    let options = DeleteOptions(propagation: .background, waitUntilGone: true, timeout: step.timeout)
    for reference in state.applied.reversed() {
      do {
        try await client.delete(reference, options: options)
      } catch {
        failures.append("\(reference): \(error.message)")
      }
    }
    let deleted = state.applied.map(\.description)
    state.applied = []
    if failures.isEmpty { return result(.passed, "deleted \(deleted.joined(separator: ", "))") }
    return result(.failed, failures[0], Array(failures.dropFirst()))
  }
}
