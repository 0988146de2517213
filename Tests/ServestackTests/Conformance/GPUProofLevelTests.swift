import Conformance
import Foundation
import Kubernetes
import ServestackCore
import Testing

/// The GPU phase says exactly what it proved: each level from the pod and node it saw, and each level's
/// words in every report format.
@Suite("GPU proof levels")
struct GPUProofLevelTests {
  static func node(gpus: Int) throws -> KubeObject {
    KubeObject(
      try JSONValue(
        parsing:
          #"{"kind":"Node","metadata":{"name":"n"},"status":{"allocatable":{"cpu":"4","nvidia.com/gpu":"\#(gpus)"}}}"#))
  }

  static func pod(gpuLimit: Int, phase: String, running: Bool) throws -> KubeObject {
    let state =
      running ? #"{"running":{"startedAt":"2026-12-06T16:00:00Z"}}"# : #"{"waiting":{"reason":"ContainerCreating"}}"#
    return KubeObject(
      try JSONValue(
        parsing: #"""
          {"kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"n","containers":[{"name":"kserve-container",
          "resources":{"limits":{"cpu":"1","nvidia.com/gpu":"\#(gpuLimit)"}}}]},
          "status":{"phase":"\#(phase)","containerStatuses":[{"name":"kserve-container","state":\#(state)}]}}
          """#))
  }

  @Test("each level is derived from what the pod and node show")
  func levelsFromPodAndNode() throws {
    let gpuNode = try Self.node(gpus: 4)
    let running = try Self.pod(gpuLimit: 1, phase: "Running", running: true)
    #expect(GPUProofLevel.proven(pod: running, node: try Self.node(gpus: 0), resource: "nvidia.com/gpu") == nil)
    #expect(GPUProofLevel.proven(pod: running, node: nil, resource: "nvidia.com/gpu") == nil)
    // Bound but not admitted yet, or not asking for a GPU: only placed.
    let pending = try Self.pod(gpuLimit: 1, phase: "Pending", running: false)
    #expect(GPUProofLevel.proven(pod: pending, node: gpuNode, resource: "nvidia.com/gpu") == .placedOnGPUNode)
    let noRequest = try Self.pod(gpuLimit: 0, phase: "Running", running: true)
    #expect(GPUProofLevel.proven(pod: noRequest, node: gpuNode, resource: "nvidia.com/gpu") == .placedOnGPUNode)
    let starting = try Self.pod(gpuLimit: 1, phase: "Running", running: false)
    #expect(GPUProofLevel.proven(pod: starting, node: gpuNode, resource: "nvidia.com/gpu") == .placedOnGPUNode)
    #expect(GPUProofLevel.proven(pod: running, node: gpuNode, resource: "nvidia.com/gpu") == .gpuAllocated)
    #expect(GPUProofLevel.allCases == [.none, .placedOnGPUNode, .gpuAllocated, .gpuBusy])
    #expect(GPUProofLevel.none < .placedOnGPUNode && .gpuAllocated < .gpuBusy)
  }

  static func report(_ level: GPUProofLevel) -> ConformanceReport {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    return ConformanceReport(
      toolVersion: "0.1.0", startedAt: start, finishedAt: start.addingTimeInterval(20), profile: "serverless",
      namespace: "servestack-test-gpu01",
      phases: [
        PhaseReport(
          name: "gpu-inference", file: "phases/85-gpu-inference.yaml", outcome: .passed, durationSeconds: 19,
          checks: [
            CheckResult(
              name: "scheduled-on-gpu-node", action: "wait", outcome: .passed, durationSeconds: 1, reason: "ok")
          ],
          gpuProof: level),
        PhaseReport(
          name: "smoke", outcome: .passed, durationSeconds: 1,
          checks: [CheckResult(name: "ready", action: "wait", outcome: .passed, durationSeconds: 1, reason: "ok")]),
      ])
  }

  @Test(
    "console, JSON, JUnit and Prometheus name the level and what was not proven",
    arguments: [
      (
        GPUProofLevel.none,
        "nothing proven about GPU use (not proven: placed on a GPU node; GPU allocated to the pod; GPU busy during requests (DCGM))",
        0
      ),
      (
        .placedOnGPUNode,
        "placed on a GPU node (not proven: GPU allocated to the pod; GPU busy during requests (DCGM))", 1
      ),
      (.gpuAllocated, "GPU allocated to the pod (not proven: GPU busy during requests (DCGM))", 2),
      (.gpuBusy, "GPU busy during requests (DCGM)", 3),
    ])
  func wording(level: GPUProofLevel, text: String, rank: Int) throws {
    let report = Self.report(level)
    #expect(level.summary == text)
    #expect(report.consoleTable().contains("gpu-inference: GPU proof: \(text)\n"))
    #expect(!report.consoleTable().contains("smoke: GPU proof"))
    #expect(report.json["phases"]?[0]?["gpuProof"] == .string(level.rawValue))
    #expect(report.json["phases"]?[1]?["gpuProof"] == nil)
    let back = try ConformanceReport(json: try JSONValue(parsing: report.jsonText))
    #expect(back.phases[0].gpuProof == level && back.phases[1].gpuProof == nil)
    #expect(report.junitXML.contains("<property name=\"gpuProof\" value=\"\(level.rawValue)\"/>"))
    #expect(report.prometheusText.contains("servestack_test_gpu_proof_level{phase=\"gpu-inference\"} \(rank)\n"))
  }

  @Test("a report with an unknown level is refused, naming the field")
  func unknownLevel() throws {
    var json = Self.report(.gpuBusy).json
    json["phases"] = .array([
      [
        "name": "gpu", "result": "passed", "durationSeconds": 1, "reason": "", "metrics": [:], "checks": [],
        "gpuProof": "gpu-maybe",
      ]
    ])
    #expect(throws: ConformanceError.self) { try ConformanceReport(json: json) }
  }
}
