public import ServestackCore

/// The values `${name}` placeholders in test phase steps stand for: the test namespace, the profile, the
/// model's storage URI, the load to generate, the replica bounds. Defaults depend on the profile; any of them
/// can be set (`servestack test --set loadDuration=1m`). A placeholder that is a whole YAML value takes the
/// parameter's type (`minReplicas: ${minReplicas}` is the integer 0), one inside a longer string is text.
public struct TestParameters: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case string, integer, boolean, duration
    /// A JSON value (`[2, 2]`, an object, …); empty is null. A whole-value placeholder becomes that value, with
    /// its strings substituted.
    case json
  }

  /// Every parameter, with its kind and meaning (docs/test-phases.md lists the defaults).
  public static let known: [(name: String, kind: Kind, help: String)] = [
    ("namespace", .string, "the namespace the test objects are created in"),
    ("profile", .string, "serverless, serverless-kourier or raw"),
    ("domain", .string, "the domain of InferenceService hosts (only for messages; hosts come from status.url)"),
    ("deploymentMode", .string, "KServe's deployment mode for the profile: Serverless or RawDeployment"),
    (
      "sklearnStorageUri", .string,
      "where the sklearn-iris model is: gs://kfserving-examples/… online, oci://<registry>/… in an airgap"
    ),
    ("requireGPU", .boolean, "true: no GPU node is a failure instead of a skip (--require-gpu)"),
    ("gpuModel", .string, "the GPU phase's model: sklearn-iris (does not use the GPU) or torchserve (--gpu-model)"),
    (
      "requireGPUUse", .boolean,
      "true: the GPU phase fails unless DCGM shows the GPU busy (default: --require-gpu with a model that uses the GPU)"
    ),
    (
      "torchserveStorageUri", .string,
      "where the TorchServe mnist model is: gs://kfserving-examples/… online, oci://<registry>/… in an airgap"
    ),
    ("gpuInferenceService", .string, "the GPU InferenceService's name (from gpuModel)"),
    (
      "gpuModelMemory", .string,
      "the GPU model's memory limit: 1Gi for sklearn-iris, 4Gi for torchserve (KServe's sample; also its request)"
    ),
    ("gpuPredictor", .json, "the GPU InferenceService's predictor, with its GPU tolerations (from gpuModel)"),
    ("gpuRequestPath", .string, "the GPU model's predict path (from gpuModel)"),
    ("gpuRequestBody", .json, "the GPU model's request body (from gpuModel)"),
    ("gpuExpectedAnswers", .json, "the accepted values of the answer's predictions, a list (from gpuModel)"),
    ("gpuResource", .string, "the extended resource of GPUs: nvidia.com/gpu"),
    ("gpuCount", .integer, "how many GPUs the GPU InferenceService asks for"),
    (
      "gpuMinUtilization", .integer,
      "DCGM_FI_DEV_GPU_UTIL (percent) the GPU must reach during the request, where DCGM metrics are available"
    ),
    ("dcgmURL", .string, "a DCGM exporter's /metrics URL (--dcgm-url); empty: the GPU-busy check is skipped"),
    ("loadConcurrency", .integer, "requests in flight during the autoscaling load (--load-concurrency)"),
    ("loadDuration", .duration, "how long the autoscaling load runs (--load-duration)"),
    (
      "minReplicas", .integer,
      "the autoscaling InferenceService's minReplicas: 0 (scale to zero) in serverless profiles, 1 in raw"
    ),
    ("maxReplicas", .integer, "the autoscaling InferenceService's maxReplicas"),
    ("readyTimeout", .duration, "how long an InferenceService may take to become Ready"),
    ("scaleUpTimeout", .duration, "how long replicas may take to rise above minReplicas under load"),
    ("scaleDownTimeout", .duration, "how long replicas may take to fall back after the load"),
    ("requestTimeout", .duration, "time allowed for one inference request"),
    (
      "canaryStorageUri", .string,
      "the canary phase's v2 model, answering the iris request differently from sklearn-iris; empty: phase skipped"
    ),
    (
      "canaryPredictions", .json,
      "the v2 model's predictions for the canary request (JSON, e.g. [2, 2]); empty: any answer other than v1's"
    ),
    ("canaryRequests", .integer, "requests the canary phase sends to measure each traffic split"),
    ("knativeNamespace", .string, "where Knative Serving's config-autoscaler ConfigMap is (scale-to-zero bounds)"),
  ]

  public let profile: String
  public private(set) var values: [String: String]

  /// The defaults for `profile` and `namespace`, with `overrides` on top.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) for an unknown parameter or a value of the wrong kind.
  public init(profile: String, namespace: String, overrides: [String: String] = [:]) throws(ConformanceError) {
    self.profile = profile
    let serverless = profile != "raw"
    values = [
      "namespace": namespace,
      "profile": profile,
      "domain": "example.com",
      "deploymentMode": serverless ? "Serverless" : "RawDeployment",
      "sklearnStorageUri": Self.onlineSklearnStorageUri,
      "requireGPU": "false",
      "torchserveStorageUri": GPUModel.torchserve.onlineStorageUri,
      "gpuResource": "nvidia.com/gpu",
      "gpuCount": "1",
      "gpuMinUtilization": "1",
      "dcgmURL": "",
      "loadConcurrency": "8",
      "loadDuration": "30s",
      "minReplicas": serverless ? "0" : "1",
      "maxReplicas": "3",
      "readyTimeout": "5m",
      "scaleUpTimeout": "3m",
      "scaleDownTimeout": serverless ? "5m" : "10m",
      "requestTimeout": "30s",
      // No published model is known to answer the iris request differently from sklearn-iris (KServe's
      // canary example, model-2, is not documented to), and bundles carry none: the site names one.
      "canaryStorageUri": "",
      "canaryPredictions": "",
      "canaryRequests": "200",
      "knativeNamespace": "knative-serving",
    ]
    let model = try GPUModel(parsing: overrides["gpuModel"] ?? GPUModel.sklearnIris.rawValue)
    values["gpuModel"] = model.rawValue
    values.merge(model.parameters) { _, new in new }
    for (name, value) in overrides.sorted(by: { $0.key < $1.key }) { try set(name, value) }
    // Placement proves nothing about use: with a model that uses the GPU, --require-gpu asks for DCGM's proof.
    if overrides["requireGPUUse"] == nil {
      values["requireGPUUse"] = values["requireGPU"] == "true" && model.usesGPU ? "true" : "false"
    }
  }

  /// KServe's sample model, as its docs and e2e tests use it.
  public static let onlineSklearnStorageUri = "gs://kfserving-examples/models/sklearn/1.0/model"

  /// Where an airgap bundle's copy of the sklearn-iris model is once pushed to `registry`
  /// (`HOST[:PORT][/PREFIX]`): `oci://HOST[:PORT][/PREFIX]/models/sklearn-iris:1.0`.
  public static func airgapSklearnStorageUri(registry: String) -> String {
    var registry = registry
    while registry.hasSuffix("/") { registry.removeLast() }
    return "oci://\(registry)/models/sklearn-iris:1.0"
  }

  /// The overrides for the test phases after an install (or upgrade) from an airgap bundle: the bundle's copy
  /// of the sklearn-iris model (`modelURIs`, model name → `oci://…` in the private registry), or where it would
  /// be in `registry` when the bundle carries none; and the GPU models it carries (``GPUModel/bundleTestParameters(modelURIs:chosen:)``,
  /// `gpuModel`: `--gpu-model`).
  public static func airgap(registry: String, modelURIs: [String: String], gpuModel: GPUModel? = nil)
    -> [String: String]
  {
    var parameters = ["sklearnStorageUri": modelURIs["sklearn-iris"] ?? airgapSklearnStorageUri(registry: registry)]
    parameters.merge(GPUModel.bundleTestParameters(modelURIs: modelURIs, chosen: gpuModel)) { _, new in new }
    // A GPU model the bundle does not carry is looked for where a bundle would have pushed it, never online.
    if let gpuModel, parameters[gpuModel.storageUriParameter] == nil {
      parameters[gpuModel.storageUriParameter] = gpuModel.airgapStorageUri(registry: registry)
    }
    return parameters
  }

  public subscript(name: String) -> String? { values[name] }

  /// Parses a Go-style duration (`30s`, `5m`, `1m30s`, `500ms`), as flags and phase files write them.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) naming the text.
  public static func parseDuration(_ text: String) throws(ConformanceError) -> Duration {
    do { return try GoDuration(text).duration } catch { throw ConformanceError(.invalidOption, error.description) }
  }

  public static func kind(of name: String) -> Kind? { known.first { $0.name == name }?.kind }

  /// Sets one parameter, checking its kind.
  public mutating func set(_ name: String, _ value: String) throws(ConformanceError) {
    guard let kind = Self.kind(of: name) else {
      throw ConformanceError(
        .invalidOption, "unknown test parameter '\(name)'; known: \(Self.known.map(\.name).joined(separator: ", "))")
    }
    switch kind {
    case .integer where Int(value) == nil:
      throw ConformanceError(.invalidOption, "test parameter \(name)=\(value) is not an integer")
    case .boolean where value != "true" && value != "false":
      throw ConformanceError(.invalidOption, "test parameter \(name)=\(value) is not true or false")
    case .duration where (try? GoDuration(value)) == nil:
      throw ConformanceError(.invalidOption, "test parameter \(name)=\(value) is not a duration such as 30s, 5m, 1m30s")
    case .json where !value.isEmpty && (try? JSONValue(parsing: Array(value.utf8))) == nil:
      throw ConformanceError(.invalidOption, "test parameter \(name)=\(value) is not JSON, such as [2, 2]")
    default: break
    }
    values[name] = value
  }

  /// `value` with every `${name}` replaced; `$${` writes a literal `${`.
  ///
  /// #### Errors
  /// A description of the first unknown placeholder (the caller names the file and step).
  public func substitute(_ value: JSONValue) throws(ConformanceError) -> JSONValue {
    try substitute(value, json: true)
  }

  func substitute(_ value: JSONValue, json: Bool) throws(ConformanceError) -> JSONValue {
    switch value {
    case .string(let text):
      if let name = Self.wholePlaceholder(text), let kind = Self.kind(of: name), json || kind != .json,
        let resolved = values[name]
      {
        switch kind {
        case .integer: if let number = Int(resolved) { return .int(number) }
        case .boolean: return .bool(resolved == "true")
        // The JSON's own strings are substituted too, but JSON parameters are not expanded inside it again.
        case .json:
          if resolved.isEmpty { return .null }
          if let parsed = try? JSONValue(parsing: Array(resolved.utf8)) { return try substitute(parsed, json: false) }
        default: break
        }
      }
      return .string(try substitute(text))
    case .array(let items):
      var out: [JSONValue] = []
      for item in items { out.append(try substitute(item, json: json)) }
      return .array(out)
    case .object(let object):
      var out = JSONObject()
      for (key, item) in object { out[try substitute(key)] = try substitute(item, json: json) }
      return .object(out)
    default:
      return value
    }
  }

  public func substitute(_ text: String) throws(ConformanceError) -> String {
    guard text.contains("${") else { return text }
    var output = ""
    var rest = Substring(text)
    while let start = rest.range(of: "${") {
      if start.lowerBound > rest.startIndex, rest[rest.index(before: start.lowerBound)] == "$" {
        output += rest[..<rest.index(before: start.lowerBound)] + "${"
        rest = rest[start.upperBound...]
        continue
      }
      output += rest[..<start.lowerBound]
      guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
        output += rest[start.lowerBound...]
        return output
      }
      let name = String(rest[start.upperBound..<end])
      guard let resolved = values[name] else {
        throw ConformanceError(
          .invalidPhase, "unknown parameter ${\(name)}; known: \(Self.known.map(\.name).joined(separator: ", "))")
      }
      output += resolved
      rest = rest[rest.index(after: end)...]
    }
    return output + rest
  }

  static func wholePlaceholder(_ text: String) -> String? {
    guard text.hasPrefix("${"), text.hasSuffix("}"), !text.hasPrefix("$${") else { return nil }
    let name = text.dropFirst(2).dropLast()
    return name.contains("}") || name.contains("$") ? nil : String(name)
  }
}

extension Substring {
  func range(of needle: String) -> Range<Index>? {
    var index = startIndex
    while index < endIndex {
      if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
      index = self.index(after: index)
    }
    return nil
  }
}
