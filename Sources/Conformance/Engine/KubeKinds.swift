import Kubernetes

/// The kinds the conformance tests read and write.
enum KubeKinds {
  static let inferenceService = GroupVersionKind(group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService")
  static let namespace = GroupVersionKind(group: "", version: "v1", kind: "Namespace")
  static let pod = GroupVersionKind(group: "", version: "v1", kind: "Pod")
  static let node = GroupVersionKind(group: "", version: "v1", kind: "Node")
  static let event = GroupVersionKind(group: "", version: "v1", kind: "Event")
  static let service = GroupVersionKind(group: "", version: "v1", kind: "Service")
  static let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
  static let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
  static let knativeService = GroupVersionKind(group: "serving.knative.dev", version: "v1", kind: "Service")

  /// The label KServe puts on every predictor Deployment and pod of an InferenceService.
  static let inferenceServiceLabel = "serving.kserve.io/inferenceservice"
}
