public import Kubernetes

/// What the in-cluster conformance job may do, and nothing more. The tests touch:
/// - in the test namespace: InferenceServices (server-side apply, read, watch for Ready, delete), pods,
///   Deployments and ReplicaSets (placement, replicas, diagnosis), events (diagnosis), Knative Services (diagnosis);
/// - cluster-wide: nodes, read only (GPU nodes, the node a pod landed on);
/// - in the job's namespace: ConfigMaps (store results, list them, delete the oldest).
/// Requests go to the InferenceService's cluster-local address, so no Service or gateway needs reading.
public enum JobRBAC {
  public struct Rule: Sendable, Hashable {
    public var groups: [String]
    public var resources: [String]
    public var verbs: [String]
  }

  /// Rules of the Role in the test namespace.
  public static let testNamespaceRules: [Rule] = [
    Rule(
      groups: ["serving.kserve.io"], resources: ["inferenceservices"],
      verbs: ["get", "list", "watch", "create", "patch", "delete"]),
    Rule(groups: [""], resources: ["pods", "events"], verbs: ["get", "list", "watch"]),
    Rule(groups: ["apps"], resources: ["deployments", "replicasets"], verbs: ["get", "list", "watch"]),
    Rule(groups: ["serving.knative.dev"], resources: ["services"], verbs: ["get"]),
  ]

  /// Rules of the ClusterRole.
  public static let clusterRules: [Rule] = [Rule(groups: [""], resources: ["nodes"], verbs: ["get", "list"])]

  /// Rules of the Role in the job's namespace (results).
  public static let resultRules: [Rule] = [
    Rule(groups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "delete"])
  ]

  /// Access the job needs, one review per verb and resource; `allowed` must be true for each.
  public static func requiredAccess(_ options: JobOptions) -> [AccessCheck] {
    func checks(_ rules: [Rule], namespace: String?) -> [AccessCheck] {
      rules.flatMap { rule in
        rule.groups.flatMap { group in
          rule.resources.flatMap { resource in
            rule.verbs.map { AccessCheck(verb: $0, group: group, resource: resource, namespace: namespace) }
          }
        }
      }
    }
    return checks(testNamespaceRules, namespace: options.testNamespace) + checks(clusterRules, namespace: nil)
      + checks(resultRules, namespace: options.namespace)
  }

  /// Access the job must NOT have (a sample of what a careless Role would grant).
  public static func forbiddenAccess(_ options: JobOptions) -> [AccessCheck] {
    [
      AccessCheck(verb: "get", group: "", resource: "secrets", namespace: options.testNamespace),
      AccessCheck(verb: "list", group: "", resource: "secrets", namespace: options.namespace),
      AccessCheck(verb: "create", group: "", resource: "namespaces"),
      AccessCheck(verb: "delete", group: "", resource: "namespaces", name: options.testNamespace),
      AccessCheck(verb: "deletecollection", group: "", resource: "namespaces"),
      AccessCheck(verb: "create", group: "serving.kserve.io", resource: "inferenceservices", namespace: "default"),
      AccessCheck(verb: "list", group: "serving.kserve.io", resource: "inferenceservices", namespace: "kube-system"),
      AccessCheck(
        verb: "deletecollection", group: "serving.kserve.io", resource: "inferenceservices",
        namespace: options.testNamespace),
      AccessCheck(
        verb: "update", group: "serving.kserve.io", resource: "inferenceservices", namespace: options.testNamespace),
      AccessCheck(verb: "create", group: "", resource: "pods", namespace: options.testNamespace),
      AccessCheck(verb: "create", group: "", resource: "pods", subresource: "exec", namespace: options.testNamespace),
      AccessCheck(verb: "create", group: "apps", resource: "deployments", namespace: options.testNamespace),
      AccessCheck(verb: "patch", group: "", resource: "nodes"),
      AccessCheck(verb: "create", group: "", resource: "configmaps", namespace: "default"),
      AccessCheck(verb: "list", group: "", resource: "configmaps", namespace: options.testNamespace),
      AccessCheck(verb: "get", group: "", resource: "services", namespace: "istio-system"),
      AccessCheck(verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterroles"),
      AccessCheck(verb: "update", group: "batch", resource: "cronjobs", namespace: options.namespace),
    ]
  }
}
