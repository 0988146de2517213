import Kubernetes
import ServestackCore

/// Objects guarded by a webhook of their own phase: applying them before that webhook serves fails with
/// `failed calling webhook`, so they wait for it (KServe's LLMInferenceServiceConfigs, Knative's
/// networking Certificate).
struct GuardPlan: Sendable {
  /// Positions in the phase's objects applied first.
  var immediate: [Int]
  /// Positions held back, with the webhooks each waits for.
  var guarded: [(index: Int, webhooks: [WebhookDefinition])]

  var guardingWebhooks: [WebhookDefinition] {
    var seen = Set<WebhookDefinition>()
    return guarded.flatMap(\.webhooks).filter { seen.insert($0).inserted }
  }

  /// Which objects a webhook of `objects` intercepts (CREATE or UPDATE, object selector honoured; the
  /// namespace selector is not evaluated, so a guard may be needless but is never missed).
  static func make(objects: [JSONValue], resolver: ResourceResolver) async -> GuardPlan {
    let webhooks = objects.flatMap(WebhookDefinition.webhooks(of:)).filter { $0.failurePolicy == "Fail" }
    var plan = GuardPlan(immediate: [], guarded: [])
    for (index, object) in objects.enumerated() {
      let kube = KubeObject(object)
      guard !webhooks.isEmpty, let gvk = kube.gvk, !gvk.isNamespace, !gvk.isCustomResourceDefinition,
        !KnownKinds.isWebhookConfiguration(gvk), let entry = await resolver.resolve(gvk)
      else {
        plan.immediate.append(index)
        continue
      }
      let guards = webhooks.filter { hook in
        ["CREATE", "UPDATE"].contains { operation in
          hook.intercepts(
            group: gvk.group, version: gvk.version, resource: entry.resource, operation: operation,
            namespaced: entry.namespaced, labels: kube.labels)
        }
      }
      if guards.isEmpty { plan.immediate.append(index) } else { plan.guarded.append((index, guards)) }
    }
    return plan
  }
}
