/// The model the GPU phase deploys (`--gpu-model`). `sklearn-iris` answers on a GPU node but never uses the
/// GPU; `torchserve` is KServe's upstream GPU example, which runs its inference on the GPU it is given, so
/// with it `--require-gpu` asks for proof of GPU use (DCGM), not just of placement.
///
/// The TorchServe facts are written from KServe's sample at tag v0.20.0:
/// https://github.com/kserve/kserve/blob/v0.20.0/docs/samples/v1beta1/torchserve/v1/gpu.yaml (the
/// InferenceService), …/torchserve/v1/mnist.json (the request) and …/torchserve/v1/README.md (`MODEL_NAME=mnist`,
/// expected output `{"predictions": ["2"]}`); KServe's e2e test test/e2e/predictor/test_torchserve.py asserts
/// `predictions[0] == 2` for the same request, so both spellings of the answer are accepted.
public enum GPUModel: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case sklearnIris = "sklearn-iris"
  case torchserve

  public var description: String { rawValue }

  /// Whether inference with this model uses the GPU (so DCGM can prove it).
  public var usesGPU: Bool { self == .torchserve }

  /// The name a bundle carries the model under (`models/<name>/`, `servestack.local/models/<name>:<version>`).
  public var bundleModelName: String {
    switch self {
    case .sklearnIris: "sklearn-iris"
    case .torchserve: "torchserve-mnist"
    }
  }

  public var bundleModelVersion: String {
    switch self {
    case .sklearnIris: "1.0"
    case .torchserve: "v1"
    }
  }

  /// Where the model is online, as KServe's sample gives it.
  public var onlineStorageUri: String {
    switch self {
    case .sklearnIris: TestParameters.onlineSklearnStorageUri
    case .torchserve: "gs://kfserving-examples/models/torchserve/image_classifier/v1"
    }
  }

  /// The test parameter holding the model's storage URI (overridden for airgaps and private mirrors).
  public var storageUriParameter: String {
    switch self {
    case .sklearnIris: "sklearnStorageUri"
    case .torchserve: "torchserveStorageUri"
    }
  }

  /// The KServe model format whose ClusterServingRuntime serves the model (its image goes into bundles).
  public var modelFormat: String {
    switch self {
    case .sklearnIris: "sklearn"
    case .torchserve: "pytorch"
    }
  }

  /// Where the bundle's copy of the model is once pushed to `registry` (`HOST[:PORT][/PREFIX]`).
  public func airgapStorageUri(registry: String) -> String {
    var registry = registry
    while registry.hasSuffix("/") { registry.removeLast() }
    return "oci://\(registry)/models/\(bundleModelName):\(bundleModelVersion)"
  }

  /// The GPU phase's parameters for this model: the InferenceService's name and predictor (tolerating the
  /// GPU nodes' taint), the request and the accepted answers. `${…}` inside them (GPU resource and count, storage URI) is substituted as well.
  public var parameters: [String: String] {
    switch self {
    case .sklearnIris:
      [
        "gpuInferenceService": "sklearn-iris-gpu",
        "gpuModelMemory": "1Gi",
        "gpuPredictor": #"""
        {"tolerations": [{"key": "${gpuResource}", "operator": "Exists", "effect": "NoSchedule"}],
         "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "${sklearnStorageUri}",
         "resources": {"requests": {"cpu": "100m", "memory": "512Mi"},
                       "limits": {"cpu": "1", "memory": "${gpuModelMemory}", "${gpuResource}": "${gpuCount}"}}}}
        """#,
        "gpuRequestPath": "/v1/models/sklearn-iris-gpu:predict",
        "gpuRequestBody": #"{"instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]}"#,
        "gpuExpectedAnswers": "[[1, 1]]",
      ]
    case .torchserve:
      [
        "gpuInferenceService": "torchserve-gpu",
        "gpuModelMemory": "4Gi",
        // The upstream sample's predictor: the legacy `pytorch` form, memory 4Gi and one GPU, TorchServe's
        // token auth off and its model API on (the args the sample gained in KServe v0.15).
        "gpuPredictor": #"""
        {"tolerations": [{"key": "${gpuResource}", "operator": "Exists", "effect": "NoSchedule"}],
         "pytorch": {"storageUri": "${torchserveStorageUri}",
         "resources": {"limits": {"memory": "${gpuModelMemory}", "${gpuResource}": "${gpuCount}"}},
         "args": ["--disable-token-auth", "--enable-model-api"]}}
        """#,
        "gpuRequestPath": "/v1/models/mnist:predict",
        "gpuRequestBody": #"{"instances": [{"data": "\#(Self.mnistDigit)", "target": 0}]}"#,
        "gpuExpectedAnswers": #"[[2], ["2"]]"#,
      ]
    }
  }

  /// The sample's 28×28 PNG of a handwritten 2 (docs/samples/v1beta1/torchserve/v1/mnist.json), base64.
  static let mnistDigit =
    "iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAw0lEQVR4nGNgGFggVVj4/y8Q2GOR83n+58/fP0DwcSqmpNN7oOTJw6f+/H2pjUU2"
    + "JCSEk0EWqN0cl828e/FIxvz9/9cCh1zS5z9/G9mwyzl/+PNnKQ45nyNAr9ThMHQ/UG4tDofuB4bQIhz6fIBenMWJQ+7Vn7+zeLCbKXv6z59NOPQV"
    + "gsIcW4QA9YFi6wNQLrKwsBebW/68DJ388Nun5XFocrqvIFH59+XhBAxThTfeB0r+vP/QHbuDCgr2JmOXoSsAAKK7bU3vISS4AAAAAElFTkSuQmCC"

  /// Parses `--gpu-model`.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) naming the known models.
  public init(parsing text: String) throws(ConformanceError) {
    guard let model = GPUModel(rawValue: text) else {
      throw ConformanceError(
        .invalidOption,
        "unknown GPU model '\(text)'; known: \(Self.allCases.map(\.rawValue).joined(separator: ", ")) "
          + "(torchserve is KServe's TorchServe GPU example, which uses the GPU)")
    }
    self = model
  }
}

extension GPUModel {
  /// The test parameters for an install from a bundle: each GPU model the bundle carries is used from its
  /// copy in the private registry (`modelURIs`: bundle model name → `oci://…`), and a bundle made with
  /// `bundle create --gpu-model torchserve` tests with TorchServe unless `chosen` says otherwise.
  public static func bundleTestParameters(modelURIs: [String: String], chosen: GPUModel?) -> [String: String] {
    var parameters: [String: String] = [:]
    var carried: [GPUModel] = []
    for model in allCases {
      guard let uri = modelURIs[model.bundleModelName] else { continue }
      parameters[model.storageUriParameter] = uri
      carried.append(model)
    }
    if let model = chosen ?? (carried.contains(.torchserve) ? .torchserve : nil) {
      parameters["gpuModel"] = model.rawValue
    }
    return parameters
  }
}
