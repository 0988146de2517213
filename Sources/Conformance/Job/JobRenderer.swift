public import Kubernetes
public import ServestackCore
import YAML

/// Renders the periodic conformance job: its Namespaces, ServiceAccount, least-privilege Roles
/// (``JobRBAC``), bindings and the CronJob running `servestack test` in the cluster, then its alerts
/// (``JobAlerts``, a PrometheusRule) and Grafana dashboard (``JobDashboard``, a ConfigMap) unless turned off.
public enum JobRenderer {
  /// Labels on everything the job manifests create.
  static let labels: JSONValue = [
    "app.kubernetes.io/name": "servestack-conformance", "app.kubernetes.io/managed-by": "servestack",
  ]

  /// The objects, in apply order.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) from ``JobOptions/validate()``.
  public static func objects(_ options: JobOptions) throws(ConformanceError) -> [JSONValue] {
    try options.validate()
    let sa = options.serviceAccount
    let subject: JSONValue = [["kind": "ServiceAccount", "name": .string(sa), "namespace": .string(options.namespace)]]
    func metadata(_ name: String, _ namespace: String? = nil) -> JSONValue {
      var metadata: JSONValue = ["name": .string(name), "labels": labels]
      if let namespace { metadata["namespace"] = .string(namespace) }
      return metadata
    }
    func rules(_ rules: [JobRBAC.Rule]) -> JSONValue {
      .array(
        rules.map {
          [
            "apiGroups": .array($0.groups.map { .string($0) }), "resources": .array($0.resources.map { .string($0) }),
            "verbs": .array($0.verbs.map { .string($0) }),
          ]
        })
    }
    func binding(_ kind: String, _ name: String, namespace: String?, role: String) -> JSONValue {
      [
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(kind), "metadata": metadata(name, namespace),
        "roleRef": [
          "apiGroup": "rbac.authorization.k8s.io", "kind": .string(kind == "RoleBinding" ? "Role" : "ClusterRole"),
          "name": .string(role),
        ],
        "subjects": subject,
      ]
    }
    let testRole = "\(sa)-tests"
    let resultRole = "\(sa)-results"
    let clusterRole = "servestack:\(options.namespace):\(sa)-nodes"
    var objects: [JSONValue] = [
      ["apiVersion": "v1", "kind": "Namespace", "metadata": metadata(options.namespace)],
      ["apiVersion": "v1", "kind": "Namespace", "metadata": metadata(options.testNamespace)],
      ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(sa, options.namespace)],
      [
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": metadata(testRole, options.testNamespace), "rules": rules(JobRBAC.testNamespaceRules),
      ],
      binding("RoleBinding", testRole, namespace: options.testNamespace, role: testRole),
      [
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": metadata(resultRole, options.namespace), "rules": rules(JobRBAC.resultRules),
      ],
      binding("RoleBinding", resultRole, namespace: options.namespace, role: resultRole),
      [
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata(clusterRole),
        "rules": rules(JobRBAC.clusterRules),
      ],
      binding("ClusterRoleBinding", clusterRole, namespace: nil, role: clusterRole),
      cronJob(options),
    ]
    if let thresholds = options.alerts {
      let period = try CronSchedule(options.schedule).longestGapSeconds
      objects.append(JobAlerts.prometheusRule(options, thresholds: thresholds, periodSeconds: period))
    }
    if options.dashboard { objects.append(JobDashboard.configMap(options)) }
    return objects
  }

  /// The arguments of `servestack test` in the CronJob's container.
  public static func testArguments(_ options: JobOptions) -> [String] {
    var arguments = [
      "test", "--profile", options.profile, "--namespace", options.testNamespace, "--store-results", options.namespace,
      "--keep-results", String(options.keepResults), "--report-json", "/tmp/servestack/report.json",
      "--report-junit", "/tmp/servestack/report.xml",
    ]
    if options.requireGPU { arguments.append("--require-gpu") }
    for (name, value) in options.parameters.sorted(by: { $0.key < $1.key }) {
      arguments += ["--set", "\(name)=\(value)"]
    }
    if let dcgm = options.dcgmURL { arguments += ["--dcgm-url", dcgm] }
    if let gateway = options.pushgateway { arguments += ["--pushgateway", gateway] }
    return arguments
  }

  static func cronJob(_ options: JobOptions) -> JSONValue {
    let container: JSONValue = [
      "name": "servestack",
      "image": .string(options.image),
      "args": .array(testArguments(options).map { .string($0) }),
      "resources": ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["cpu": "1", "memory": "512Mi"]],
      "securityContext": [
        "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": ["drop": ["ALL"]],
      ],
      "volumeMounts": [["name": "tmp", "mountPath": "/tmp"]],
    ]
    let pod: JSONValue = [
      "serviceAccountName": .string(options.serviceAccount),
      "restartPolicy": "Never",
      "securityContext": [
        "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": ["type": "RuntimeDefault"],
      ],
      "containers": [container],
      "volumes": [["name": "tmp", "emptyDir": ["sizeLimit": "64Mi"]]],
    ]
    return [
      "apiVersion": .string(options.cronJobAPIVersion), "kind": "CronJob",
      "metadata": ["name": .string(options.serviceAccount), "namespace": .string(options.namespace), "labels": labels],
      "spec": [
        "schedule": .string(options.schedule),
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": [
          "metadata": ["labels": labels],
          "spec": [
            "backoffLimit": 0, "activeDeadlineSeconds": 3600,
            "template": ["metadata": ["labels": labels], "spec": pod],
          ],
        ],
      ],
    ]
  }

  /// The objects as a YAML stream (`---` between documents).
  public static func yaml(_ options: JobOptions) throws -> String {
    try YAMLEmitter.emit(try objects(options))
  }

  /// Whether the cluster serves `monitoring.coreos.com/v1` PrometheusRule (the Prometheus Operator's CRD).
  public static func servesPrometheusRules(_ client: KubeClient) async -> Bool {
    let kind = GroupVersionKind(group: "monitoring.coreos.com", version: "v1", kind: "PrometheusRule")
    return (try? await client.mapper.mapping(for: kind)) != nil
  }

  /// `batch/v1` when the cluster serves CronJobs there (Kubernetes 1.21+), else `batch/v1beta1`.
  public static func servedCronJobVersion(_ client: KubeClient) async -> String {
    let v1 = GroupVersionKind(group: "batch", version: "v1", kind: "CronJob")
    if (try? await client.mapper.mapping(for: v1)) != nil { return "batch/v1" }
    return "batch/v1beta1"
  }
}
