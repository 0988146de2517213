import Kubernetes

/// The kinds only the conformance tests read and write (the common ones are ``GroupVersionKind``'s).
enum KubeKinds {
  static let inferenceService = GroupVersionKind(
    group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService")
  static let knativeService = GroupVersionKind(group: "serving.knative.dev", version: "v1", kind: "Service")

  /// The label KServe puts on every predictor Deployment and pod of an InferenceService.
  static let inferenceServiceLabel = "serving.kserve.io/inferenceservice"
}
