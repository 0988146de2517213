import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// Injected faults, each of which must be reported as a failure with the right diagnosis, never as a pass:
/// faults of the model server (at the fixture gateway), of the controllers (FakeInferenceController
/// behaviours), and of the cluster (the REAL scheduler finding no room).
extension ConformanceClusterTests {
  @Suite("faults: each fails with its diagnosis, never passes")
  struct Faults {
    /// Runs `phases`, then checks that the run failed at `check` of `phase` with `reason` in its reason.
    @discardableResult
    static func expectFailure(
      _ phases: [String], at phase: String, _ check: String, reason: String, diagnosis: String? = nil,
      behaviour: FakeInferenceController.Behaviour = .init(), parameters: [String: String] = [:],
      requireGPU: Bool = false,
      gatewayFault: GatewayFault? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ConformanceReport {
      let cluster = try await ConformanceCluster.real()
      // The namespace prefix is unique to this test, so a gateway fault matches only its hosts.
      let prefix = "sst-\(UUID().uuidString.prefix(6).lowercased())-"
      if let gatewayFault {
        try await cluster.fixture.fault(
          "*", gatewayFault.kind, status: gatewayFault.status, delaySeconds: gatewayFault.delaySeconds,
          path: gatewayFault.path, count: gatewayFault.count, hostPattern: "\\.\(prefix)")
      }
      let report = try await cluster.run(
        try ConformanceCluster.phases(phases), behaviour: behaviour, parameters: parameters, requireGPU: requireGPU,
        namespacePrefix: prefix)
      #expect(report.outcome == .failed, sourceLocation: sourceLocation)
      #expect(report.exitCode == 1, sourceLocation: sourceLocation)
      #expect(report.phase(phase)?.outcome == .failed, sourceLocation: sourceLocation)
      let result = try #require(report.check(phase, check), sourceLocation: sourceLocation)
      #expect(result.outcome == .failed, sourceLocation: sourceLocation)
      #expect(result.reason.contains(reason), "reason: \(result.reason)", sourceLocation: sourceLocation)
      if let diagnosis {
        #expect(
          result.diagnosis.contains { $0.contains(diagnosis) }, "diagnosis: \(result.diagnosis)",
          sourceLocation: sourceLocation)
      }
      // Cleanup still ran.
      #expect(report.phase(phase)?.checks.last?.action == "cleanup", sourceLocation: sourceLocation)
      return report
    }

    /// A fault the fixture gateway injects for the hosts of one run.
    struct GatewayFault: Sendable {
      var kind: String
      var status: Int? = nil
      var delaySeconds: Double? = nil
      var path: String? = nil
      var count: Int? = nil
    }

    @Test("1. a wrong prediction fails v1-predict with the diff")
    func wrongPrediction() async throws {
      try await Self.expectFailure(
        ["smoke"], at: "smoke", "v1-predict",
        reason: "POST /v1/models/sklearn-iris:predict: predictions: expected [1,1], got [0,0]",
        gatewayFault: GatewayFault(kind: "wrong-prediction"))
    }

    @Test("2. a 500 from the model server fails with the status, the body and the workload state")
    func serverError() async throws {
      try await Self.expectFailure(
        ["smoke"], at: "smoke", "v1-predict",
        reason: "status 500, expected 200: {\"error\": \"injected fault: HTTP 500\"}",
        diagnosis: "sklearn-iris-predictor: 1/1 available", gatewayFault: GatewayFault(kind: "status", status: 500))
    }

    @Test("3. an answer slower than requestTimeout fails as a timeout")
    func timeout() async throws {
      try await Self.expectFailure(
        ["smoke"], at: "smoke", "v1-predict", reason: "no answer within 1.0s (timed out)",
        parameters: ["requestTimeout": "1s"], gatewayFault: GatewayFault(kind: "delay", delaySeconds: 3))
    }

    @Test("4. a wrong v2 output fails v2-output while v1 passes")
    func wrongV2() async throws {
      let report = try await Self.expectFailure(
        ["smoke"], at: "smoke", "v2-output", reason: "outputs[0].data: expected [1,1], got [2,2]",
        gatewayFault: GatewayFault(kind: "wrong-v2", path: "^/v2/"))
      #expect(report.check("smoke", "v1-predict")?.outcome == .passed)
    }

    @Test("5. an InferenceService that never becomes Ready fails with its condition")
    func neverReady() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      let message =
        "Revision \"sklearn-iris-predictor-00001\" failed with message: model load failed: storage-initializer exited 1."
      behaviour.neverReady = ["sklearn-iris": ("RevisionFailed", message)]
      let report = try await Self.expectFailure(
        ["smoke"], at: "smoke", "ready", reason: "Ready=False (RevisionFailed: \(message))",
        diagnosis: "/sklearn-iris: PredictorReady=False (RevisionFailed", behaviour: behaviour,
        parameters: ["readyTimeout": "3s"])
      #expect(report.check("smoke", "v1-predict")?.outcome == .skipped)
    }

    @Test("6. a host the gateway does not route gets a 404 explained as a missing route")
    func unrouted() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.unrouted = ["sklearn-iris"]
      try await Self.expectFailure(
        ["smoke"], at: "smoke", "v1-predict",
        reason: "status 404, expected 200: the ingress has no route for Host sklearn-iris.sst-",
        behaviour: behaviour)
    }

    @Test("7. a GPU pod the real scheduler cannot place fails with the scheduler's message")
    func unschedulable() async throws {
      try await Self.expectFailure(
        ["gpu-inference"], at: "gpu-inference", "scheduled-on-gpu-node",
        reason: "no predictor pod of sklearn-iris-gpu was scheduled on a node with nvidia.com/gpu",
        diagnosis: "Insufficient nvidia.com/gpu", parameters: ["gpuCount": "16", "readyTimeout": "6s"])
    }

    @Test("8. replicas that never rise under load fail scale-up")
    func neverScalesUp() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.noScaleUp = ["sklearn-iris-scale"]
      try await Self.expectFailure(
        ["autoscaling"], at: "autoscaling", "scale-up",
        reason: "ready replicas of sklearn-iris-scale stayed at 1 (wanted more than 1)", diagnosis: "1/1 available",
        behaviour: behaviour, parameters: ["minReplicas": "1", "scaleUpTimeout": "15s"])
    }

    @Test("9. replicas that never fall back to zero fail scale-to-zero when the step's timeout ends the wait")
    func neverScalesDown() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.noScaleDown = ["sklearn-iris-scale"]
      let report = try await Self.expectFailure(
        ["autoscaling"], at: "autoscaling", "scale-to-zero", reason: "the step's timeout ended the wait first",
        diagnosis: "get podautoscalers", behaviour: behaviour, parameters: ["scaleDownTimeout": "8s"])
      #expect(report.check("autoscaling", "scale-up")?.outcome == .passed)
    }

    @Test("10. no GPU node: skipped without --require-gpu, a failure with it")
    func noGPUNode() async throws {
      let parameters = ["gpuResource": "example.com/fpga"]
      try await Self.expectFailure(
        ["gpu-inference"], at: "gpu-inference", "gpu-nodes",
        reason: "no GPU node: 0 of 3 nodes have allocatable example.com/fpga; --require-gpu makes that a failure",
        parameters: parameters, requireGPU: true)
      let cluster = try await ConformanceCluster.real()
      let skipped = try await cluster.run(try ConformanceCluster.phases(["gpu-inference"]), parameters: parameters)
      #expect(skipped.outcome == .passed && skipped.exitCode == 0)
      #expect(skipped.phase("gpu-inference")?.outcome == .skipped)
      #expect(skipped.phase("gpu-inference")?.reason == "no GPU node: 0 of 3 nodes have allocatable example.com/fpga")
      #expect(skipped.phase("gpu-inference")?.gpuProof == GPUProofLevel.none)
    }

    @Test("11. a GPU that stays idle during the request fails gpu-busy (DCGM metrics)")
    func idleGPU() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.gpuBusyPercent = 0
      let report = try await Self.expectFailure(
        ["gpu-inference"], at: "gpu-inference", "gpu-busy", reason: "stayed at 0% during", behaviour: behaviour)
      // The hollow kubelet runs the pod that requests the GPU: allocation is proven, use is not.
      #expect(report.phase("gpu-inference")?.gpuProof == .gpuAllocated)
    }

    @Test("12. failing requests under load fail scale-up even though replicas rose")
    func loadErrors() async throws {
      try await Self.expectFailure(
        ["autoscaling"], at: "autoscaling", "scale-up",
        reason: "requests failed (allowed 1%): status 503, expected 200",
        gatewayFault: GatewayFault(kind: "status", status: 503, count: 40))
    }
  }
}
