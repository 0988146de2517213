import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing
import YAML

/// `--gpu-model`: the GPU phase renders KServe's TorchServe GPU example instead of sklearn-iris, and with
/// `--require-gpu` such a model must be proven busy by DCGM.
@Suite("GPU model option (TorchServe)")
struct GPUModelTests {
  /// The steps of the built-in gpu-inference phase with `overrides`.
  static func gpuSteps(_ overrides: [String: String] = [:]) throws -> [ConformanceStep] {
    let phase = try #require(try TestPhase.select(profile: "serverless", only: ["gpu-inference"]).first)
    return try phase.steps(
      parameters: try TestParameters(profile: "serverless", namespace: "servestack-test-gpu01", overrides: overrides))
  }

  static func isvc(_ steps: [ConformanceStep]) throws -> JSONValue {
    guard case .apply(let objects) = try #require(steps.first { $0.name == "create" }).kind else {
      throw TestSetupError("the gpu-inference phase has no create step")
    }
    return try #require(objects.first)
  }

  static func request(_ steps: [ConformanceStep]) throws -> (
    isvc: String, request: InferenceRequest, expectation: ResponseExpectation?
  ) {
    guard
      case .request(let isvc, let request, let expectation) = try #require(steps.first { $0.name == "v1-predict" }).kind
    else { throw TestSetupError("the gpu-inference phase has no v1-predict request") }
    return (isvc, request, expectation)
  }

  @Test("--gpu-model torchserve renders the pytorch predictor with the GPU limit, the mnist request and its answer")
  func torchserveRenders() throws {
    let steps = try Self.gpuSteps(["gpuModel": "torchserve"])
    let isvc = try Self.isvc(steps)
    #expect(isvc[path: ["metadata", "name"]] == "torchserve-gpu")
    let pytorch = try #require(isvc[path: ["spec", "predictor", "pytorch"]])
    #expect(pytorch["storageUri"] == "gs://kfserving-examples/models/torchserve/image_classifier/v1")
    #expect(pytorch[path: ["resources", "limits", "nvidia.com/gpu"]] == 1)
    #expect(pytorch[path: ["resources", "limits", "memory"]] == "4Gi")
    #expect(pytorch["args"] == ["--disable-token-auth", "--enable-model-api"])
    #expect(isvc[path: ["spec", "predictor", "model"]] == nil)
    #expect(isvc[path: ["spec", "predictor", "tolerations"]]?.arrayValue?.first?["key"] == "nvidia.com/gpu")
    let (name, request, expectation) = try Self.request(steps)
    #expect(name == "torchserve-gpu")
    #expect(request.path == "/v1/models/mnist:predict" && request.method == "POST")
    #expect(request.body?["instances"]?.arrayValue?.first?["target"] == 0)
    let assertion = try #require(expectation?.json.first)
    #expect(assertion.path.text == "predictions")
    #expect([assertion.equals] + assertion.alternatives == [[2], ["2"]])
    guard
      case .waitPlacement(let placed, let resource) = try #require(steps.first { $0.name == "scheduled-on-gpu-node" })
        .kind
    else {
      Issue.record("no placement wait")
      return
    }
    #expect(placed == "torchserve-gpu" && resource == "nvidia.com/gpu")
    guard
      case .observeGPUUtilization(let busy, let busyRequest, _, _) = try #require(steps.first { $0.name == "gpu-busy" })
        .kind
    else {
      Issue.record("no gpu-busy step")
      return
    }
    #expect(busy == "torchserve-gpu" && busyRequest.path == "/v1/models/mnist:predict")
  }

  @Test(
    "without --gpu-model the phase still deploys sklearn-iris, and gpuResource/gpuCount/storage URIs reach the predictor"
  )
  func sklearnDefaultAndOverrides() throws {
    let steps = try Self.gpuSteps(["sklearnStorageUri": "oci://r.local/models/sklearn-iris:1.0", "gpuCount": "2"])
    let isvc = try Self.isvc(steps)
    #expect(isvc[path: ["metadata", "name"]] == "sklearn-iris-gpu")
    #expect(isvc[path: ["spec", "predictor", "model", "modelFormat", "name"]] == "sklearn")
    #expect(isvc[path: ["spec", "predictor", "model", "storageUri"]] == "oci://r.local/models/sklearn-iris:1.0")
    #expect(isvc[path: ["spec", "predictor", "model", "resources", "limits", "nvidia.com/gpu"]] == 2)
    let (_, request, expectation) = try Self.request(steps)
    #expect(request.path == "/v1/models/sklearn-iris-gpu:predict")
    #expect(expectation?.json.first?.equals == [1, 1] && expectation?.json.first?.alternatives == [])

    let mirrored = try Self.isvc(
      try Self.gpuSteps([
        "gpuModel": "torchserve", "torchserveStorageUri": "oci://r.local/models/torchserve-mnist:v1",
        "gpuResource": "amd.com/gpu",
      ]))
    #expect(
      mirrored[path: ["spec", "predictor", "pytorch", "storageUri"]] == "oci://r.local/models/torchserve-mnist:v1")
    #expect(mirrored[path: ["spec", "predictor", "pytorch", "resources", "limits", "amd.com/gpu"]] == 1)
    #expect(
      GPUModel.torchserve.airgapStorageUri(registry: "r.local:5000/kserve/")
        == "oci://r.local:5000/kserve/models/torchserve-mnist:v1")
  }

  @Test(
    "requireGPUUse follows --require-gpu only with a model that uses the GPU; unknown models and bad JSON are refused")
  func requireGPUUseAndValidation() throws {
    func value(_ overrides: [String: String]) throws -> String? {
      try TestParameters(profile: "serverless", namespace: "n", overrides: overrides)["requireGPUUse"]
    }
    #expect(try value([:]) == "false")
    #expect(try value(["requireGPU": "true"]) == "false")
    #expect(try value(["gpuModel": "torchserve"]) == "false")
    #expect(try value(["gpuModel": "torchserve", "requireGPU": "true"]) == "true")
    #expect(try value(["gpuModel": "torchserve", "requireGPU": "true", "requireGPUUse": "false"]) == "false")
    #expect(try value(["requireGPUUse": "true"]) == "true")
    let unknown = #expect(throws: ConformanceError.self) {
      try TestParameters(profile: "serverless", namespace: "n", overrides: ["gpuModel": "resnet"])
    }
    #expect(unknown?.message.contains("unknown GPU model 'resnet'; known: sklearn-iris, torchserve") == true)
    let badJSON = #expect(throws: ConformanceError.self) {
      try TestParameters(profile: "serverless", namespace: "n", overrides: ["gpuRequestBody": "{instances"])
    }
    #expect(badJSON?.message.contains("test parameter gpuRequestBody={instances is not JSON") == true)
  }

  @Test(
    "the TorchServe definition matches KServe's upstream sample: predictor, request and documented answer",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "\(TestEnvironment.missingFixturesReason)"))
  func matchesUpstream() throws {
    let upstream = try #require(TestEnvironment.upstreamFixtures)
    let folder = upstream.appendingPathComponent("examples/pytorch-gpu")
    let sample = try YAMLParser.parseDocument(
      try String(contentsOf: folder.appendingPathComponent("torchserve-gpu.yaml"), encoding: .utf8))
    let isvc = try Self.isvc(try Self.gpuSteps(["gpuModel": "torchserve"]))
    let ours = try #require(isvc[path: ["spec", "predictor", "pytorch"]])
    let theirs = try #require(sample[path: ["spec", "predictor", "pytorch"]])
    #expect(ours["storageUri"] == theirs["storageUri"] && ours["args"] == theirs["args"])
    #expect(ours[path: ["resources", "limits", "memory"]] == theirs[path: ["resources", "limits", "memory"]])
    #expect(
      ours[path: ["resources", "limits", "nvidia.com/gpu"]]?.semanticallyEquals(.int(1)) == true
        && theirs[path: ["resources", "limits", "nvidia.com/gpu"]] == "1")
    let mnist = try JSONValue(parsing: try Data(contentsOf: folder.appendingPathComponent("mnist.json")))
    #expect(try Self.request(try Self.gpuSteps(["gpuModel": "torchserve"])).request.body == mnist)
    let documented = try JSONValue(
      parsing: try Data(contentsOf: folder.appendingPathComponent("expected-response.v1.json")))
    let assertion = try #require(
      try Self.request(try Self.gpuSteps(["gpuModel": "torchserve"])).expectation?.json.first)
    let answer = try #require(documented["predictions"])
    #expect(([assertion.equals] + assertion.alternatives).contains(answer))
  }

  @Test("oneOf accepts each listed answer and names them all when none matches")
  func oneOfExpectation() throws {
    let expectation = ResponseExpectation(
      json: [.init(path: try JSONPath("predictions"), equals: [2], alternatives: [["2"]])])
    func response(_ body: String) -> InferenceResponse {
      InferenceResponse(
        request: InferenceRequest(method: "POST", path: "/v1/models/mnist:predict", body: nil, timeout: .seconds(1)),
        endpoint: InferenceEndpoint(ingressURL: "http://127.0.0.1:1", host: "torchserve-gpu.ns.example.com"),
        status: 200, body: Array(body.utf8), error: nil, latency: .milliseconds(5), attempts: 1)
    }
    #expect(expectation.problems(with: response(#"{"predictions": [2]}"#)).isEmpty)
    #expect(expectation.problems(with: response(#"{"predictions": ["2"]}"#)).isEmpty)
    #expect(
      expectation.problems(with: response(#"{"predictions": [7]}"#)) == [
        #"predictions: expected one of [2], ["2"], got [7]"#
      ])
  }

  @Test(
    "a GPU phase that had to prove GPU use says, for each level reached, what was and was not proven",
    arguments: [
      (
        GPUProofLevel.none,
        "Proven: nothing proven about GPU use; not proven: placed on a GPU node; GPU allocated to the pod; GPU busy during requests (DCGM)"
      ),
      (
        .placedOnGPUNode,
        "Proven: placed on a GPU node; not proven: GPU allocated to the pod; GPU busy during requests (DCGM)"
      ),
      (.gpuAllocated, "Proven: GPU allocated to the pod; not proven: GPU busy during requests (DCGM)"),
    ])
  func useNotProvenWording(level: GPUProofLevel, tail: String) {
    let text = level.useNotProven("no DCGM exporter metrics to read", model: "torchserve")
    #expect(
      text
        == "GPU use not proven: no DCGM exporter metrics to read; --require-gpu with GPU model torchserve needs DCGM to show the GPU busy. "
        + tail)
  }

  @Test("an install from a bundle uses the bundled GPU model's registry copy, TorchServe when the bundle carries it")
  func bundleParameters() {
    let uris = [
      "sklearn-iris": "oci://r/models/sklearn-iris:1.0", "torchserve-mnist": "oci://r/models/torchserve-mnist:v1",
    ]
    #expect(
      GPUModel.bundleTestParameters(modelURIs: uris, chosen: nil) == [
        "sklearnStorageUri": "oci://r/models/sklearn-iris:1.0",
        "torchserveStorageUri": "oci://r/models/torchserve-mnist:v1", "gpuModel": "torchserve",
      ])
    #expect(GPUModel.bundleTestParameters(modelURIs: uris, chosen: .sklearnIris)["gpuModel"] == "sklearn-iris")
    #expect(
      GPUModel.bundleTestParameters(modelURIs: ["sklearn-iris": "oci://r/models/sklearn-iris:1.0"], chosen: nil) == [
        "sklearnStorageUri": "oci://r/models/sklearn-iris:1.0"
      ])
  }
}
