/// Kinds of Kubernetes itself that several modules read or treat specially.
extension GroupVersionKind {
  public static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
  public static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
  public static let service = GroupVersionKind(group: "", version: "v1", kind: "Service")
  public static let endpoints = GroupVersionKind(group: "", version: "v1", kind: "Endpoints")
  public static let node = GroupVersionKind(group: "", version: "v1", kind: "Node")
  public static let pod = GroupVersionKind(group: "", version: "v1", kind: "Pod")
  public static let event = GroupVersionKind(group: "", version: "v1", kind: "Event")
  public static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
  public static let daemonSet = GroupVersionKind(group: "apps", version: "v1", kind: "DaemonSet")
  public static let replicaSet = GroupVersionKind(group: "apps", version: "v1", kind: "ReplicaSet")
  public static let customResourceDefinition = GroupVersionKind(
    group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
  public static let lease = GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease")
  public static let storageClass = GroupVersionKind(group: "storage.k8s.io", version: "v1", kind: "StorageClass")

  /// A CustomResourceDefinition, in any version.
  public var isCustomResourceDefinition: Bool { group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition" }

  /// A Namespace, in any version.
  public var isNamespace: Bool { group == "" && kind == "Namespace" }
}
