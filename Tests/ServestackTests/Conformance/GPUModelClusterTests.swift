import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// `--gpu-model torchserve` against the real v1.20 apiserver and scheduler: the TorchServe InferenceService
/// is rendered as the phase file and GPUModel write it, FakeInferenceController makes its predictor Deployment
/// with the pytorch predictor's resources, and the REAL scheduler places the pod on the hollow GPU node (which
/// runs no container). The fixture's model server serves iris only, so the request steps ask it for
/// sklearn-iris-gpu: only the path, body and answers are swapped. The hollow nodes have 3840Mi allocatable, less
/// than the sample's 4Gi (a limit without a request, so also what the scheduler reserves): the sample as written
/// is refused by the scheduler, which the first test shows; the others lower gpuModelMemory to 3Gi.
@Suite(
  "TorchServe GPU model against the real apiserver", .serialized,
  .enabled(if: TestEnvironment.hasTestCluster, "\(TestEnvironment.missingClusterReason)"),
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"))
struct GPUModelClusterTests {
  static let torchserveAskingIris = [
    "gpuModel": "torchserve", "gpuModelMemory": "3Gi", "gpuRequestPath": "/v1/models/sklearn-iris-gpu:predict",
    "gpuRequestBody": #"{"instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]}"#, "gpuExpectedAnswers": "[[1, 1]]",
  ]

  @Test("the TorchServe sample's 4Gi does not fit the hollow GPU node: the real scheduler's reason is reported")
  func sampleMemoryUnschedulable() async throws {
    let cluster = try await ConformanceCluster.real()
    let report = try await cluster.run(
      try ConformanceCluster.phases(["gpu-inference"]),
      parameters: ["gpuModel": "torchserve", "readyTimeout": "10s", "dcgmURL": ""])
    let placement = try #require(report.check("gpu-inference", "scheduled-on-gpu-node"))
    #expect(placement.outcome == .failed)
    #expect(
      placement.diagnosis.contains { $0.contains("Unschedulable") && $0.contains("Insufficient memory") },
      "\(placement.diagnosis)")
    #expect(report.phase("gpu-inference")?.gpuProof == GPUProofLevel.none)
  }

  @Test(
    "the TorchServe GPU example lands on the GPU node with its pytorch resources; --require-gpu passes with DCGM busy")
  func torchserveOnGPUNode() async throws {
    let cluster = try await ConformanceCluster.real()
    let report = try await cluster.run(
      try ConformanceCluster.phases(["gpu-inference"]), parameters: Self.torchserveAskingIris, requireGPU: true,
      keep: true)
    let namespace = report.namespace
    do {
      #expect(report.phase("gpu-inference")?.outcome == .passed)
      let placement = try #require(report.check("gpu-inference", "scheduled-on-gpu-node"))
      #expect(
        placement.outcome == .passed
          && placement.reason.contains("on node hollow-node-0 (allocatable nvidia.com/gpu: 4)"), "\(placement.reason)")
      #expect(report.phase("gpu-inference")?.gpuProof == .gpuBusy)
      let isvc = try await cluster.client.get(
        ObjectReference(
          GroupVersionKind(group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService"),
          namespace: namespace, name: "torchserve-gpu"))
      #expect(
        isvc[path: "spec", "predictor", "pytorch", "storageUri"]
          == "gs://kfserving-examples/models/torchserve/image_classifier/v1")
      let deployment = try await cluster.client.get(
        ObjectReference(
          GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"), namespace: namespace,
          name: "torchserve-gpu-predictor"))
      let limits = deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first?[path: [
        "resources", "limits",
      ]]
      #expect(limits?["memory"] == "3Gi" && limits?["nvidia.com/gpu"] == "1", "\(String(describing: limits))")
      let pods = try await cluster.client.list(
        GroupVersionKind(group: "", version: "v1", kind: "Pod"), namespace: namespace,
        options: ListOptions(labelSelector: "serving.kserve.io/inferenceservice=torchserve-gpu"))
      #expect(!pods.items.isEmpty && pods.items.allSatisfy { $0[path: "spec", "nodeName"] == "hollow-node-0" })
    } catch {
      _ = try? await cluster.client.delete(ObjectReference(GroupVersionKind.namespace, name: namespace))
      throw error
    }
    try await cluster.client.delete(ObjectReference(GroupVersionKind.namespace, name: namespace))
  }

  @Test("--require-gpu with torchserve fails without DCGM evidence or with an idle GPU, saying what was proven")
  func requireGPUUse() async throws {
    let cluster = try await ConformanceCluster.real()
    let phases = try ConformanceCluster.phases(["gpu-inference"])
    let noDCGM = try await cluster.run(
      phases, parameters: Self.torchserveAskingIris.merging(["dcgmURL": ""]) { _, new in new }, requireGPU: true)
    let busy = try #require(noDCGM.check("gpu-inference", "gpu-busy"))
    #expect(busy.outcome == .failed)
    #expect(
      busy.reason.hasPrefix(
        "GPU use not proven: no DCGM exporter metrics to read (pass --dcgm-url http://…:9400/metrics where DCGM runs); "
          + "--require-gpu with GPU model torchserve needs DCGM to show the GPU busy. "
          + "Proven: GPU allocated to the pod; not proven: GPU busy during requests (DCGM)"), "\(busy.reason)")
    #expect(noDCGM.phase("gpu-inference")?.outcome == .failed)
    #expect(noDCGM.phase("gpu-inference")?.gpuProof == .gpuAllocated)

    var idle = FakeInferenceController.Behaviour()
    idle.gpuBusyPercent = 0
    let idleReport = try await cluster.run(
      phases, behaviour: idle,
      parameters: Self.torchserveAskingIris.merging(["gpuMinUtilization": "0"]) { _, new in new }, requireGPU: true)
    let idleCheck = try #require(idleReport.check("gpu-inference", "gpu-busy"))
    #expect(idleCheck.outcome == .failed)
    #expect(idleCheck.reason.hasPrefix("GPU use not proven: DCGM showed the GPU at 0% during"), "\(idleCheck.reason)")
    #expect(idleReport.phase("gpu-inference")?.gpuProof == .gpuAllocated)

    // Without a GPU model --require-gpu keeps its meaning: a GPU node is required, GPU use is not.
    let sklearn = try await cluster.run(phases, parameters: ["dcgmURL": ""], requireGPU: true)
    #expect(sklearn.phase("gpu-inference")?.outcome == .passed)
    #expect(sklearn.check("gpu-inference", "gpu-busy")?.outcome == .skipped)
    #expect(sklearn.phase("gpu-inference")?.gpuProof == .gpuAllocated)
  }

  @Test(
    "servestack test --gpu-model torchserve --require-gpu without DCGM exits 1 saying GPU use was not proven; an unknown model exits 2",
    .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
  func binary() async throws {
    let cluster = try await ConformanceCluster.real()
    let id = String(UUID().uuidString.prefix(6)).lowercased()
    let namespace = "sst-gpu-\(id)"
    var object = KubeObject(GroupVersionKind.namespace, name: namespace)
    object.json.set(["servestack.io/test-case": .string(id)], at: ["metadata", "labels"])
    _ = try await cluster.client.create(object)
    let controller = FakeInferenceController(client: cluster.client, fixture: cluster.fixture, testCase: id)
    controller.start()
    var common = [
      "test", "--kubeconfig", cluster.kubeconfig, "--namespace", namespace, "--ingress", cluster.fixture.ingressURL,
    ]
    let parameters = cluster.fastParameters(Self.torchserveAskingIris.merging(["dcgmURL": ""]) { _, new in new })
    for (name, value) in parameters.sorted(by: { $0.key < $1.key }) where name != "gpuModel" {
      common += ["--set", "\(name)=\(value)"]
    }
    do {
      let failed = try await ConformanceClusterTests.CLI.servestack(
        common + ["--only", "gpu-inference", "--gpu-model", "torchserve", "--require-gpu"])
      #expect(failed.status == 1, "\(failed.output)")
      #expect(failed.output.contains("ok   gpu-inference/scheduled-on-gpu-node"), "\(failed.output)")
      #expect(failed.output.contains("FAIL gpu-inference/gpu-busy"), "\(failed.output)")
      #expect(failed.output.contains("GPU use not proven"), "\(failed.output)")
      let unknown = try await ConformanceClusterTests.CLI.servestack(common + ["--gpu-model", "resnet"])
      #expect(unknown.status == 2, "\(unknown.output)")
      #expect(
        unknown.output.contains("unknown GPU model 'resnet'; known: sklearn-iris, torchserve"), "\(unknown.output)")
    } catch {
      await controller.stop()
      _ = try? await cluster.client.delete(ObjectReference(GroupVersionKind.namespace, name: namespace))
      throw error
    }
    await controller.stop()
    _ = try? await cluster.client.delete(ObjectReference(GroupVersionKind.namespace, name: namespace))
  }
}
