import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// The real v1.20 apiserver and scheduler, the real KServe sklearn server behind the fixture gateway, and
/// FakeInferenceController standing in for KServe/Knative (which cannot run on hollow nodes). One test at a
/// time: the scale timings must not compete with each other for two cores.
@Suite(
  "Conformance phases against the real apiserver", .serialized,
  .enabled(if: TestEnvironment.hasTestCluster, "\(TestEnvironment.missingClusterReason)"),
  .enabled(if: PythonModules.hasModelServer, "\(PythonModules.missingReason(PythonModules.modelServer))"),
  .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
struct ConformanceClusterTests {
  @Test("smoke, gpu-inference and autoscaling pass; the GPU pod lands on the GPU node; reports validate")
  func happyPath() async throws {
    let cluster = try await ConformanceCluster.real()
    let report = try await cluster.run(try ConformanceCluster.phases(["smoke", "gpu-inference", "autoscaling"]))
    #expect(report.outcome == .passed)
    #expect(report.phases.map(\.outcome) == [.passed, .passed, .passed])
    #expect(report.check("smoke", "v1-predict")?.reason == "status 200, predictions = [1,1]")
    #expect(report.check("smoke", "v2-output")?.reason == "status 200, outputs[0].data = [1,1]")
    let placement = try #require(report.check("gpu-inference", "scheduled-on-gpu-node"))
    #expect(
      placement.outcome == .passed
        && placement.reason.contains("on node hollow-node-0 (allocatable nvidia.com/gpu: 4)"), "\(placement.reason)")
    #expect(report.check("gpu-inference", "gpu-busy")?.outcome == .passed)
    #expect(report.phase("gpu-inference")?.gpuProof == .gpuBusy)
    #expect(report.phase("smoke")?.gpuProof == nil)
    let metrics = try #require(report.phase("autoscaling")?.metrics)
    #expect(
      metrics["scaleUpSeconds"] != nil && metrics["scaleDownSeconds"] != nil && metrics["coldStartSeconds"] != nil,
      "\(metrics)")
    #expect(
      (metrics["latencyP50Seconds"] ?? 0) > 0
        && (metrics["latencyP99Seconds"] ?? 0) >= (metrics["latencyP50Seconds"] ?? 0))
    #expect((metrics["maxReadyReplicas"] ?? 0) >= 2)
    // Back to zero after the load, then one request from zero: the cold start, beside the warm latencies.
    let zero = try #require(report.check("autoscaling", "scale-to-zero"))
    #expect(zero.outcome == .passed && zero.reason.contains("fell to 0"), "\(zero.reason)")
    #expect(zero.reason.contains("cold start") && zero.reason.contains("(warm p50 "), "\(zero.reason)")
    let coldStart = try #require(zero.metrics["coldStartSeconds"])
    #expect(coldStart > 0 && metrics["coldStartSeconds"] == coldStart)
    #expect(report.prometheusText.contains("servestack_test_cold_start_seconds{phase=\"autoscaling\"}"))
    #expect(report.html.contains("<svg class=\"chart coldstart\""))
    // The scale-up step keeps replicas and latency over time, for the HTML report's chart.
    let timeline = report.check("autoscaling", "scale-up")?.timeline ?? []
    #expect(
      timeline.count >= 3 && timeline.contains { ($0.readyReplicas ?? 0) >= 2 }
        && timeline.contains { $0.latencyP99Seconds != nil }, "\(timeline)")
    #expect(report.html.contains("<svg class=\"chart scaling\""))
    // Reports validate.
    let directory = try TemporaryDirectory()
    #expect(try ReportFixtures.validateJSON(report.jsonText, in: directory) == nil)
    #expect(try ReportFixtures.validateJUnit(report.junitXML, in: directory).error == nil)
    // The test namespace is gone or going.
    let namespace = try await cluster.client.getIfExists(
      ObjectReference(GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: report.namespace))
    #expect(namespace == nil || namespace?.deletionTimestamp != nil)
  }
}
