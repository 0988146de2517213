import Kubernetes
import ServestackCore

/// Which resource (plural, scope) a kind is, and which kind a resource is: first from the CRDs the phases
/// themselves install (the cluster does not serve them yet), then from the cluster's discovery.
struct ResourceResolver: Sendable {
  struct Entry: Hashable, Sendable {
    var gvk: GroupVersionKind
    /// The plural resource name (`deployments`).
    var resource: String
    var namespaced: Bool
  }

  /// Kinds defined by CRDs among the objects, every served version.
  let local: [GroupVersionKind: Entry]
  let client: KubeClient?

  init(objects: [JSONValue], client: KubeClient?) {
    var local: [GroupVersionKind: Entry] = [:]
    for object in objects where KubeObject(object).kind == "CustomResourceDefinition" {
      for entry in Self.entries(ofCRD: object) { local[entry.gvk] = entry }
    }
    self.local = local
    self.client = client
  }

  /// The kinds a CRD object defines, one per version.
  static func entries(ofCRD crd: JSONValue) -> [Entry] {
    guard let group = crd[path: ["spec", "group"]]?.stringValue,
      let kind = crd[path: ["spec", "names", "kind"]]?.stringValue,
      let plural = crd[path: ["spec", "names", "plural"]]?.stringValue
    else { return [] }
    let namespaced = (crd[path: ["spec", "scope"]]?.stringValue ?? "Namespaced") == "Namespaced"
    var versions = (crd[path: ["spec", "versions"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    if versions.isEmpty, let version = crd[path: ["spec", "version"]]?.stringValue { versions = [version] }
    return versions.map {
      Entry(gvk: GroupVersionKind(group: group, version: $0, kind: kind), resource: plural, namespaced: namespaced)
    }
  }

  /// The resource of `gvk`, or nil when neither the phases nor the cluster know it.
  func resolve(_ gvk: GroupVersionKind) async -> Entry? {
    if let entry = local[gvk] { return entry }
    if let entry = Self.wellKnown[gvk.groupKind] {
      return Entry(gvk: gvk, resource: entry.resource, namespaced: entry.namespaced)
    }
    guard let client, let mapping = try? await client.mapper.mapping(for: gvk) else { return nil }
    return Entry(gvk: gvk, resource: mapping.resource.resource, namespaced: mapping.namespaced)
  }

  /// The kind serving `resource` in `group`/`version` (`*` versions take any), for probe objects.
  func kind(group: String, version: String, resource: String) async -> Entry? {
    let candidates = local.values.filter { $0.gvk.group == group && $0.resource == resource }
    if let exact = candidates.first(where: { $0.gvk.version == version })
      ?? (version == "*" ? candidates.sorted { $0.gvk.version < $1.gvk.version }.first : nil)
    {
      return exact
    }
    guard let client, let mappings = try? await client.mapper.allMappings() else { return nil }
    let served = mappings.filter { $0.gvk.group == group && $0.resource.resource == resource }
    guard let mapping = served.first(where: { $0.gvk.version == version }) ?? (version == "*" ? served.first : nil)
    else { return nil }
    return Entry(gvk: mapping.gvk, resource: resource, namespaced: mapping.namespaced)
  }

  /// Built-in kinds an install commonly holds, so that planning permissions needs no discovery for them.
  static let wellKnown: [String: (resource: String, namespaced: Bool)] = [
    "Namespace": ("namespaces", false), "ConfigMap": ("configmaps", true), "Secret": ("secrets", true),
    "Service": ("services", true), "ServiceAccount": ("serviceaccounts", true), "Pod": ("pods", true),
    "Deployment.apps": ("deployments", true), "StatefulSet.apps": ("statefulsets", true),
    "DaemonSet.apps": ("daemonsets", true), "Job.batch": ("jobs", true),
    "Role.rbac.authorization.k8s.io": ("roles", true), "RoleBinding.rbac.authorization.k8s.io": ("rolebindings", true),
    "ClusterRole.rbac.authorization.k8s.io": ("clusterroles", false),
    "ClusterRoleBinding.rbac.authorization.k8s.io": ("clusterrolebindings", false),
    "CustomResourceDefinition.apiextensions.k8s.io": ("customresourcedefinitions", false),
    "ValidatingWebhookConfiguration.admissionregistration.k8s.io": ("validatingwebhookconfigurations", false),
    "MutatingWebhookConfiguration.admissionregistration.k8s.io": ("mutatingwebhookconfigurations", false),
    "HorizontalPodAutoscaler.autoscaling": ("horizontalpodautoscalers", true),
    "PodDisruptionBudget.policy": ("poddisruptionbudgets", true),
    "Lease.coordination.k8s.io": ("leases", true),
  ]
}
