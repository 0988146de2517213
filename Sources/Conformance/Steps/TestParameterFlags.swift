/// The test parameters that `servestack test`'s own flags stand for, with the `--set` assignments on top:
/// `--gpu-model` gives `gpuModel`, `--model-registry` the storage URIs of the sklearn and TorchServe models in
/// that registry, `--load-concurrency`, `--load-duration` and `--dcgm-url`
/// their namesakes.
public struct TestParameterFlags: Sendable, Hashable {
  /// Airgap: the private registry holding the bundle's test models (`HOST[:PORT][/PREFIX]`).
  public var modelRegistry: String?
  /// The GPU phase's model (`--gpu-model`): a ``GPUModel`` name.
  public var gpuModel: String?
  public var loadConcurrency: Int?
  /// A Go duration (`30s`, `2m`).
  public var loadDuration: String?
  public var dcgmURL: String?
  /// `--set name=value`; these win over the flags.
  public var assignments: [String: String]

  public init(
    modelRegistry: String? = nil, gpuModel: String? = nil, loadConcurrency: Int? = nil, loadDuration: String? = nil,
    dcgmURL: String? = nil,
    assignments: [String: String] = [:]
  ) {
    self.modelRegistry = modelRegistry
    self.gpuModel = gpuModel
    self.loadConcurrency = loadConcurrency
    self.loadDuration = loadDuration
    self.dcgmURL = dcgmURL
    self.assignments = assignments
  }

  /// The parameter overrides for ``TestRunOptions/parameters``.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) for an unknown GPU model, a load concurrency or duration out of range, or a duration
  /// that does not parse.
  public func parameters() throws(ConformanceError) -> [String: String] {
    var parameters: [String: String] = [:]
    if let gpuModel { parameters["gpuModel"] = try GPUModel(parsing: gpuModel).rawValue }
    if let modelRegistry {
      parameters["sklearnStorageUri"] = TestParameters.airgapSklearnStorageUri(registry: modelRegistry)
      parameters["torchserveStorageUri"] = GPUModel.torchserve.airgapStorageUri(registry: modelRegistry)
    }
    if let loadConcurrency {
      guard (1...LoadOptions.maximumConcurrency).contains(loadConcurrency) else {
        throw ConformanceError(
          .invalidOption, "--load-concurrency \(loadConcurrency) is out of range 1…\(LoadOptions.maximumConcurrency)")
      }
      parameters["loadConcurrency"] = String(loadConcurrency)
    }
    if let loadDuration {
      let duration = try TestParameters.parseDuration(loadDuration)
      guard duration > .zero, duration <= LoadOptions.maximumDuration else {
        throw ConformanceError(.invalidOption, "--load-duration \(loadDuration) is out of range (0, 30m]")
      }
      parameters["loadDuration"] = loadDuration
    }
    if let dcgmURL { parameters["dcgmURL"] = dcgmURL }
    parameters.merge(assignments) { _, new in new }
    return parameters
  }

  /// HTTP connections for the run's requests: enough for the load's concurrency, at least 8.
  public var httpConnections: Int { max(8, loadConcurrency ?? 8) }
}
