import ArgumentParser
import Bundles
import Conformance

/// Where the test phases send requests, how strict the GPU phase is and where the reports go: the same
/// flags for `servestack test` and for the tests at the end of `servestack install`.
struct TestRunFlags: ParsableArguments {
  @Option(help: ArgumentHelp("Send test requests to this ingress instead of the discovered gateway.", valueName: "url"))
  var ingress: String?

  @Flag(
    help:
      "Fail, instead of skip, the GPU phase when no node has allocatable GPUs; with a --gpu-model that uses the GPU, also unless DCGM shows it busy."
  )
  var requireGPU = false

  @Option(
    help: ArgumentHelp(
      "The GPU phase's model: sklearn-iris (default; does not use the GPU) or torchserve (KServe's TorchServe GPU example).",
      valueName: "model"))
  var gpuModel: String?

  @Option(help: ArgumentHelp("A DCGM exporter's metrics URL, for the GPU-busy check.", valueName: "url"))
  var dcgmUrl: String?

  @Option(
    help: ArgumentHelp(
      "Airgap: the private registry holding the test models (HOST[:PORT][/PREFIX]); with --bundle, the bundle's copies are used.",
      valueName: "registry"))
  var modelRegistry: String?

  @Option(help: ArgumentHelp("Write the tests' JSON report here (docs/report-schema.md).", valueName: "file"))
  var reportJson: String?

  @Option(help: ArgumentHelp("Write the tests' JUnit XML report here.", valueName: "file"))
  var reportJunit: String?

  @Option(
    help: ArgumentHelp(
      "Write the tests' report as one self-contained HTML page here (charts, diagnosis).", valueName: "file"))
  var reportHtml: String?

  var commandFlags: String {
    var flags = ""
    if let ingress { flags += " --ingress \(PhaseOptions.quoted(ingress))" }
    if requireGPU { flags += " --require-gpu" }
    if let gpuModel { flags += " --gpu-model \(PhaseOptions.quoted(gpuModel))" }
    if let dcgmUrl { flags += " --dcgm-url \(PhaseOptions.quoted(dcgmUrl))" }
    if let modelRegistry { flags += " --model-registry \(PhaseOptions.quoted(modelRegistry))" }
    if let reportJson { flags += " --report-json \(PhaseOptions.quoted(reportJson))" }
    if let reportJunit { flags += " --report-junit \(PhaseOptions.quoted(reportJunit))" }
    if let reportHtml { flags += " --report-html \(PhaseOptions.quoted(reportHtml))" }
    return flags
  }

  /// The test parameters these flags give `install` and `upgrade apply` (`servestack test` adds its load flags
  /// and `--set`), checked (`--gpu-model` names a known model).
  func testParameters() throws -> [String: String] {
    try TestParameterFlags(modelRegistry: modelRegistry, gpuModel: gpuModel, dcgmURL: dcgmUrl).parameters()
  }

  /// `parameters` for tests after an install or upgrade from `bundle`: its models in `registry` win over the
  /// flags' (``TestParameters/airgap(registry:modelURIs:gpuModel:)``).
  func airgapTestParameters(_ parameters: [String: String], registry: String, bundle: PreparedBundle)
    -> [String: String]
  {
    parameters.merging(
      TestParameters.airgap(
        registry: registry, modelURIs: bundle.modelURIs,
        gpuModel: parameters["gpuModel"].flatMap(GPUModel.init(rawValue:)))
    ) { _, bundled in bundled }
  }
}

/// `install`'s and `upgrade apply`'s test flags: those of `servestack test`, and a way to skip the tests.
struct InstallTestFlags: ParsableArguments {
  @Flag(help: "Do not run the test phases after installing (upgrade apply: nor ask its probe InferenceService).")
  var skipTests = false

  @OptionGroup var run: TestRunFlags

  var commandFlags: String { (skipTests ? " --skip-tests" : "") + run.commandFlags }
}
