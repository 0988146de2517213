import Kubernetes

/// The kinds the engine reads or treats specially.
enum KnownKinds {
  static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
  static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
  static let service = GroupVersionKind(group: "", version: "v1", kind: "Service")
  static let endpoints = GroupVersionKind(group: "", version: "v1", kind: "Endpoints")
  static let node = GroupVersionKind(group: "", version: "v1", kind: "Node")
  static let pod = GroupVersionKind(group: "", version: "v1", kind: "Pod")
  static let crd = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
  static let lease = GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease")
  static let storageClass = GroupVersionKind(group: "storage.k8s.io", version: "v1", kind: "StorageClass")
  static let daemonSet = GroupVersionKind(group: "apps", version: "v1", kind: "DaemonSet")
  static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
  static let runtimeClass = GroupVersionKind(group: "node.k8s.io", version: "v1", kind: "RuntimeClass")
  static let runtimeClassBeta = GroupVersionKind(group: "node.k8s.io", version: "v1beta1", kind: "RuntimeClass")
  static let validatingWebhooks = GroupVersionKind(
    group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingWebhookConfiguration")
  static let mutatingWebhooks = GroupVersionKind(
    group: "admissionregistration.k8s.io", version: "v1", kind: "MutatingWebhookConfiguration")

  static let webhookConfigurationKinds: Set<String> = ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]

  /// Whether `gvk` is a workload whose availability `workloads: available` waits for.
  static func isWorkload(_ gvk: GroupVersionKind) -> Bool {
    (gvk.group == "apps" && ["Deployment", "StatefulSet", "DaemonSet"].contains(gvk.kind))
      || (gvk.group == "batch" && gvk.kind == "Job")
  }

  static func isCRD(_ gvk: GroupVersionKind?) -> Bool {
    gvk?.group == "apiextensions.k8s.io" && gvk?.kind == "CustomResourceDefinition"
  }

  static func isNamespace(_ gvk: GroupVersionKind?) -> Bool { gvk?.group == "" && gvk?.kind == "Namespace" }

  static func isWebhookConfiguration(_ gvk: GroupVersionKind?) -> Bool {
    gvk?.group == "admissionregistration.k8s.io" && webhookConfigurationKinds.contains(gvk?.kind ?? "")
  }
}
