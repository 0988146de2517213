import Kubernetes

/// The kinds only the engine reads or treats specially (the common ones are ``GroupVersionKind``'s).
enum KnownKinds {
  static let runtimeClass = GroupVersionKind(group: "node.k8s.io", version: "v1", kind: "RuntimeClass")
  static let runtimeClassBeta = GroupVersionKind(group: "node.k8s.io", version: "v1beta1", kind: "RuntimeClass")
  static let validatingWebhooks = GroupVersionKind(
    group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingWebhookConfiguration")
  static let mutatingWebhooks = GroupVersionKind(
    group: "admissionregistration.k8s.io", version: "v1", kind: "MutatingWebhookConfiguration")

  static let webhookConfigurationKinds: Set<String> = [
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
  ]

  /// Whether `gvk` is a workload whose availability `workloads: available` waits for.
  static func isWorkload(_ gvk: GroupVersionKind) -> Bool {
    (gvk.group == "apps" && ["Deployment", "StatefulSet", "DaemonSet"].contains(gvk.kind))
      || (gvk.group == "batch" && gvk.kind == "Job")
  }

  static func isWebhookConfiguration(_ gvk: GroupVersionKind?) -> Bool {
    gvk?.group == "admissionregistration.k8s.io" && webhookConfigurationKinds.contains(gvk?.kind ?? "")
  }
}
