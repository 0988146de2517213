import Conformance
import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// The canary phase and the scale to zero of the autoscaling phase against the real apiserver, the real KServe
/// model server (v1 and the relabelled v2 model) and FakeInferenceController playing KServe's revisions and
/// Knative's route and autoscaler.
extension ConformanceClusterTests {
  @Suite("canary rollout and scale to zero")
  struct Rollout {
    /// The fixture serves `<model>-v2` for a revision whose storage URI differs from the first one's.
    static let canaryParameters = [
      "canaryStorageUri": "gs://servestack-fixture/models/sklearn-iris-v2", "canaryPredictions": "[2, 2]",
    ]

    @Test("canary: 20 % of 200 answers from v2 within the 99 % interval, then promoted to v2 and rolled back to v1")
    func canaryPasses() async throws {
      let cluster = try await ConformanceCluster.real()
      let report = try await cluster.run(
        try ConformanceCluster.phases(["canary"]), parameters: Self.canaryParameters)
      #expect(report.outcome == .passed)
      let names = ["traffic-split", "create-v1", "ready-v1", "canary-v2", "split", "promote", "promoted", "rollback"]
      for name in names + ["rolled-back", "cleanup"] {
        #expect(
          report.check("canary", name)?.outcome == .passed, "\(name): \(report.check("canary", name)?.reason ?? "-")")
      }
      let split = try #require(report.check("canary", "split"))
      #expect(split.metrics["canaryRequests"] == 200)
      let low = split.metrics["canaryIntervalLowPercent"] ?? 100
      let high = split.metrics["canaryIntervalHighPercent"] ?? 0
      #expect(low <= 20 && 20 <= high, "\(split.metrics)")
      #expect(
        split.reason.contains("sklearn-iris-canary-predictor-00002 (canary, predictions = [2,2]) answered")
          && split.reason.contains("99 % interval"), "\(split.reason)")
      #expect(
        report.check("canary", "promoted")?.reason.hasPrefix("every answer from sklearn-iris-canary-predictor-00002")
          == true)
      #expect(
        report.check("canary", "rolled-back")?.reason.hasPrefix(
          "every answer from sklearn-iris-canary-predictor-00001") == true,
        "\(report.check("canary", "rolled-back")?.reason ?? "")")
      #expect(report.html.contains("<svg class=\"chart canary\""))
      #expect(report.consoleTable().contains("canaryIntervalLowPercent="))
      #expect(report.junitXML.contains("metric.canaryAnswers"))
      let directory = try TemporaryDirectory()
      #expect(try ReportFixtures.validateJSON(report.jsonText, in: directory) == nil)
    }

    @Test("canary: a gateway that routes 50 % to v2 while the status says 20 % fails with the counts")
    func wrongSplit() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.gatewayCanaryPercent = 50
      let report = try await ConformanceClusterTests.Faults.expectFailure(
        ["canary"], at: "canary", "split", reason: "the split is not 20 %: sklearn-iris-canary-predictor-00002 (canary",
        diagnosis:
          "status: traffic sklearn-iris-canary-predictor-00002 20 % (latest), sklearn-iris-canary-predictor-00001 80 % (prev)",
        behaviour: behaviour, parameters: Self.canaryParameters)
      let split = try #require(report.check("canary", "split"))
      let observed = split.metrics["canaryObservedPercent"] ?? 0
      #expect(observed > 35 && observed < 65, "\(split.metrics)")
      #expect((split.metrics["canaryIntervalLowPercent"] ?? 0) > 20)
      #expect(split.reason.contains("which excludes 20 %"))
      #expect(report.check("canary", "promote")?.outcome == .skipped)
    }

    @Test("canary: a v2 revision that never becomes ready fails with the revision's reason")
    func revisionNeverReady() async throws {
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.failingRevisions = ["sklearn-iris-canary": ("RevisionFailed", "Back-off pulling image \"kserve/v2\"")]
      let report = try await ConformanceClusterTests.Faults.expectFailure(
        ["canary"], at: "canary", "split",
        reason: "revision sklearn-iris-canary-predictor-00002 of sklearn-iris-canary is not ready after ",
        diagnosis: "PredictorReady=False (RevisionFailed", behaviour: behaviour,
        parameters: Self.canaryParameters.merging(["readyTimeout": "12s"]) { _, new in new })
      let reason = report.check("canary", "split")?.reason ?? ""
      #expect(
        reason.hasSuffix(
          "(latest ready: sklearn-iris-canary-predictor-00001): Ready=False (RevisionFailed: Revision \"sklearn-iris-canary-predictor-00002\" failed with message: Back-off pulling image \"kserve/v2\".)"
        ), "\(reason)")
    }

    @Test("canary without a canary model (canaryStorageUri empty, the default) is skipped with the reason")
    func noCanaryModel() async throws {
      let cluster = try await ConformanceCluster.real()
      let report = try await cluster.run(try ConformanceCluster.phases(["canary"]))
      #expect(report.outcome == .passed && report.exitCode == 0)
      #expect(report.phase("canary")?.outcome == .skipped)
      #expect(
        report.phase("canary")?.reason
          == "no canary model: set canaryStorageUri to a model that answers the iris request differently from sklearn-iris (and canaryPredictions to its answer)"
      )
      #expect(report.check("canary", "traffic-split")?.outcome == .passed)
      #expect(report.check("canary", "create-v1")?.outcome == .skipped)
    }

    @Test("raw: the canary phase and the scale to zero are skipped with the reason; autoscaling still passes")
    func rawSkips() async throws {
      let cluster = try await ConformanceCluster.real()
      let report = try await cluster.run(
        try ConformanceCluster.phases(["autoscaling", "canary"], profile: "raw"),
        // minReplicas 0 lets the stand-in scale from zero, as in serverless, so the load raises replicas without
        // a CPU metric; the scale-to-zero step must still skip, on the InferenceService's RawDeployment mode.
        parameters: ["minReplicas": "0"],
        profile: "raw")
      #expect(report.outcome == .passed)
      #expect(report.phase("canary")?.outcome == .skipped)
      #expect(
        report.phase("canary")?.reason
          == "KServe's RawDeployment has no traffic split (canaryTrafficPercent needs Knative revisions) (profile raw)")
      #expect(report.check("canary", "split")?.outcome == .skipped)
      #expect(report.phase("autoscaling")?.outcome == .passed)
      let zero = try #require(report.check("autoscaling", "scale-to-zero"))
      #expect(zero.outcome == .skipped)
      #expect(zero.reason.hasPrefix("KServe's RawDeployment does not scale to zero"))
      #expect(report.check("autoscaling", "scale-down")?.outcome == .passed)
    }

    @Test("scale to zero: a controller that keeps replicas fails within config-autoscaler's bound, with a diagnosis")
    func neverScalesToZero() async throws {
      let cluster = try await ConformanceCluster.real()
      // Knative's settings in a namespace of this test's own (the shared apiserver has no knative-serving).
      let namespace = "sst-knative-\(UUID().uuidString.prefix(6).lowercased())"
      _ = try await cluster.client.create(
        KubeObject(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]))
      _ = try await cluster.client.create(
        KubeObject([
          "apiVersion": "v1", "kind": "ConfigMap",
          "metadata": ["name": "config-autoscaler", "namespace": .string(namespace)],
          "data": ["stable-window": "6s", "scale-to-zero-grace-period": "4s"],
        ]))
      var behaviour = FakeInferenceController.Behaviour()
      behaviour.noScaleDown = ["sklearn-iris-scale"]
      let report = try await ConformanceClusterTests.Faults.expectFailure(
        ["autoscaling"], at: "autoscaling", "scale-to-zero",
        reason:
          "after the load; Knative scales an idle revision to zero within 40.0s: stable window 6.0s + grace period 4.0s + 30.0s margin (\(namespace)/config-autoscaler)",
        diagnosis: "get podautoscalers", behaviour: behaviour,
        parameters: ["scaleDownTimeout": "5m", "knativeNamespace": namespace])
      #expect(report.check("autoscaling", "scale-up")?.outcome == .passed)
      // The bound, not the 5 minutes of scaleDownTimeout, ended the wait.
      #expect((report.check("autoscaling", "scale-to-zero")?.durationSeconds ?? 999) < 120)
      try await cluster.client.delete(ObjectReference(GroupVersionKind.namespace, name: namespace))
    }
  }
}
