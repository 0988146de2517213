import Kubernetes
import ServestackCore

/// The `wait:` list turned into concrete targets, and run.
extension PhaseRunner {
  /// Targets for everything but webhooks: CRDs established, workloads available, endpoints, conditions.
  func waitTargets(_ phase: RenderedPhase, objects: [KubeObject]) -> (targets: [WaitTarget], unresolved: [WaitOutcome])
  {
    var targets: [WaitTarget] = []
    var unresolved: [WaitOutcome] = []
    for wait in phase.spec.wait {
      switch wait {
      case .crdsEstablished:
        targets += objects.filter { $0.gvk?.isCustomResourceDefinition == true }.compactMap(\.reference).map {
          WaitTarget($0, .established)
        }
      case .workloadsAvailable:
        for object in objects {
          guard let gvk = object.gvk, KnownKinds.isWorkload(gvk), let reference = object.reference else { continue }
          targets.append(WaitTarget(reference, gvk.kind == "Job" ? .jobComplete : .rolledOut))
        }
      case .certificatesReady:
        for object in objects where object.gvk?.group == "cert-manager.io" && object.kind == "Certificate" {
          guard let reference = object.reference else { continue }
          targets.append(WaitTarget(reference, .condition("Ready", status: "True")))
        }
      case .endpoints(let namespace, let service):
        targets.append(
          WaitTarget(
            ObjectReference(GroupVersionKind.service, namespace: namespace, name: service), .serviceHasEndpoints))
      case .condition(let condition):
        let apiVersion = condition.apiVersion ?? objects.first { $0.kind == condition.kind }?.apiVersion
        guard let apiVersion, let gvk = try? GroupVersionKind(apiVersion: apiVersion, kind: condition.kind) else {
          unresolved.append(
            WaitOutcome(
              what: wait.description, satisfied: false, state: "unknown kind", elapsed: .zero,
              problem:
                "wait \(wait): no apiVersion given and no \(condition.kind) among the phase's objects; add apiVersion to the condition"
            ))
          continue
        }
        let reference = ObjectReference(gvk, namespace: condition.namespace, name: condition.name)
        targets.append(WaitTarget(reference, .condition(condition.type, status: condition.status)))
      case .webhooksServing:
        continue
      }
    }
    return (targets, unresolved)
  }

  /// Runs the targets until `deadline`, reporting progress, as outcomes.
  func runWaits(_ targets: [WaitTarget], phase: PhaseName, deadline: ContinuousClock.Instant) async -> [WaitOutcome] {
    guard !targets.isEmpty else { return [] }
    let events = self.events
    let results = await Waiter(client: client).waitAll(targets, timeout: max(.zero, deadline - .now)) { progress in
      events(
        .waitProgress(phase: phase, what: "\(progress.reference) \(progress.condition)", state: progress.state.text))
    }
    return results.map { result in
      WaitOutcome(
        what: "\(result.reference) \(result.condition)", satisfied: result.satisfied, state: result.state.text,
        elapsed: result.elapsed, problem: result.error.map { Self.explain(result, $0) })
    }
  }

  /// What is missing and the likely cause: the wait's message already carries the diagnosis (pods,
  /// images, scheduler messages, events).
  static func explain(_ result: WaitResult, _ error: KubeError) -> String {
    var text = error.message
    if let diagnosis = result.diagnosis, !diagnosis.findings.isEmpty, !text.contains(diagnosis.details) {
      text += "; " + diagnosis.details
    }
    return text
  }

  /// Waits for each webhook concurrently; when one does not serve, explains it with the workload behind
  /// its Service.
  func webhookWaits(
    _ hooks: [WebhookDefinition], serving: WebhookServing, objects: [KubeObject], phase: PhaseName,
    deadline: ContinuousClock.Instant
  ) async -> [WebhookDefinition: WaitOutcome] {
    let events = self.events
    let outcomes = await withTaskGroup(of: (WebhookDefinition, WaitOutcome).self) { group in
      for hook in hooks {
        group.addTask {
          let outcome = await serving.wait(hook, deadline: deadline) { state in
            events(.waitProgress(phase: phase, what: "\(hook) serving", state: state))
          }
          return (hook, outcome)
        }
      }
      var outcomes: [WebhookDefinition: WaitOutcome] = [:]
      for await (hook, outcome) in group { outcomes[hook] = outcome }
      return outcomes
    }
    var explained = outcomes
    for (hook, outcome) in outcomes where !outcome.satisfied {
      guard let service = hook.service, let workload = Self.workload(behind: service, in: objects) else { continue }
      let diagnosis = await WorkloadDiagnoser(client: client).diagnose(workload)
      explained[hook]?.problem = (outcome.problem ?? "") + "; behind it: \(diagnosis)"
    }
    return explained
  }

  /// The phase's Deployment (or StatefulSet, DaemonSet) whose pods the Service selects.
  static func workload(behind service: WebhookDefinition.Service, in objects: [KubeObject]) -> ObjectReference? {
    guard
      let selector = objects.first(where: {
        $0.kind == "Service" && $0.name == service.name && ($0.namespace ?? service.namespace) == service.namespace
      })?[
        path: "spec", "selector"]?.objectValue, !selector.isEmpty
    else { return nil }
    return objects.first { object in
      guard let gvk = object.gvk, KnownKinds.isWorkload(gvk), gvk.kind != "Job",
        (object.namespace ?? service.namespace) == service.namespace
      else { return false }
      let labels = object[path: "spec", "template", "metadata", "labels"]?.objectValue ?? [:]
      return selector.allSatisfy { labels[$0.key] == $0.value }
    }?.reference
  }
}
