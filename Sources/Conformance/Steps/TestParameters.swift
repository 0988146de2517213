public import ServestackCore

/// The values `${name}` placeholders in test phase steps stand for: the test namespace, the profile, the
/// model's storage URI, the load to generate, the replica bounds. Defaults depend on the profile; any of them
/// can be set (`servestack test --set loadDuration=1m`). A placeholder that is a whole YAML value takes the
/// parameter's type (`minReplicas: ${minReplicas}` is the integer 0), one inside a longer string is text.
public struct TestParameters: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case string, integer, boolean, duration
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
    ]
    for (name, value) in overrides.sorted(by: { $0.key < $1.key }) { try set(name, value) }
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

  /// The overrides for the test phases after an install from an airgap bundle: the bundle's copy of the
  /// sklearn-iris model (`modelURIs`, model name → `oci://…` in the private registry), or where it would
  /// be in `registry` when the bundle carries none.
  public static func airgap(registry: String, modelURIs: [String: String]) -> [String: String] {
    ["sklearnStorageUri": modelURIs["sklearn-iris"] ?? airgapSklearnStorageUri(registry: registry)]
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
    default: break
    }
    values[name] = value
  }

  /// `value` with every `${name}` replaced; `$${` writes a literal `${`.
  ///
  /// #### Errors
  /// A description of the first unknown placeholder (the caller names the file and step).
  public func substitute(_ value: JSONValue) throws(ConformanceError) -> JSONValue {
    switch value {
    case .string(let text):
      if let name = Self.wholePlaceholder(text), let kind = Self.kind(of: name), let resolved = values[name] {
        switch kind {
        case .integer: if let number = Int(resolved) { return .int(number) }
        case .boolean: return .bool(resolved == "true")
        default: break
        }
      }
      return .string(try substitute(text))
    case .array(let items):
      var out: [JSONValue] = []
      for item in items { out.append(try substitute(item)) }
      return .array(out)
    case .object(let object):
      var out = JSONObject()
      for (key, item) in object { out[try substitute(key)] = try substitute(item) }
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
