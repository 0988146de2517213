import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("Test phase files: the built-in phases, the step schema, parameters")
struct TestPhaseStepTests {
  @Test(
    "the built-in smoke, gpu-inference, autoscaling and canary phases load and parse for every profile",
    arguments: ["serverless", "serverless-kourier", "raw"])
  func builtinPhases(profile: String) throws {
    let phases = try TestPhase.select(profile: profile)
    #expect(phases.map(\.name) == ["smoke", "gpu-inference", "autoscaling", "canary"])
    let parameters = try TestParameters(profile: profile, namespace: "servestack-test-abcde")
    let steps = try phases.map { try $0.steps(parameters: parameters) }
    #expect(steps[0].map(\.name) == ["create", "ready", "v1-predict", "v2-infer", "v2-output", "cleanup"])
    #expect(
      steps[1].map(\.name) == [
        "gpu-nodes", "create", "scheduled-on-gpu-node", "ready", "v1-predict", "gpu-busy", "cleanup",
      ])
    #expect(
      steps[2].map(\.name)
        == [
          "create", "ready", "settled", "scale-up", profile == "raw" ? "scale-down" : nil, "scale-to-zero", "cleanup",
        ]
        .compactMap { $0 })
    #expect(
      steps[3].map(\.name) == [
        "traffic-split", "canary-model", "create-v1", "ready-v1", "canary-v2", "split", "promote", "promoted",
        "rollback",
        "rolled-back", "cleanup",
      ])
    let splits = steps[3].compactMap { step -> ConformanceStep.TrafficSpec? in
      if case .observeTraffic(let spec) = step.kind { return spec }
      return nil
    }
    #expect(splits.map(\.canaryPercent) == [20, 100, 0])
    #expect(splits.allSatisfy { $0.requests == 200 && $0.canaryEquals == nil && $0.stable.equals == [1, 1] })
    guard case .apply(let objects) = steps[2][0].kind else {
      Issue.record("autoscaling starts with an apply")
      return
    }
    let predictor = objects[0][path: ["spec", "predictor"]]
    #expect(predictor?["minReplicas"] == (profile == "raw" ? 1 : 0))
    #expect(predictor?["scaleMetric"] == (profile == "raw" ? "cpu" : "concurrency"))
    #expect(
      objects[0][path: ["metadata", "annotations", "serving.kserve.io/deploymentMode"]]
        == (profile == "raw" ? "RawDeployment" : "Serverless"))
    guard case .apply(let smoke) = steps[0][0].kind else { return }
    #expect(
      smoke[0][path: ["spec", "predictor", "model", "storageUri"]] == "gs://kfserving-examples/models/sklearn/1.0/model"
    )
  }

  @Test("airgap overrides: the bundle's sklearn-iris and GPU models in the private registry, else where they would be")
  func airgapOverrides() throws {
    let carried = TestParameters.airgap(
      registry: "r:5000/site", modelURIs: ["sklearn-iris": "oci://r:5000/site/models/sklearn-iris:2.0"])
    #expect(carried == ["sklearnStorageUri": "oci://r:5000/site/models/sklearn-iris:2.0"])
    let missing = TestParameters.airgap(registry: "r:5000/site", modelURIs: [:])
    #expect(missing == ["sklearnStorageUri": "oci://r:5000/site/models/sklearn-iris:1.0"])
    let parameters = try TestParameters(profile: "raw", namespace: "ns", overrides: carried)
    #expect(parameters["sklearnStorageUri"] == "oci://r:5000/site/models/sklearn-iris:2.0")
    // --gpu-model torchserve with a bundle that does not carry it: the private registry, never gs://.
    let gpu = TestParameters.airgap(registry: "r:5000/site", modelURIs: [:], gpuModel: .torchserve)
    #expect(gpu["torchserveStorageUri"] == "oci://r:5000/site/models/torchserve-mnist:v1")
    #expect(gpu["gpuModel"] == "torchserve")
  }

  @Test("parameters: typed placeholders, overrides, airgap storage URI, unknown names rejected")
  func parameters() throws {
    var parameters = try TestParameters(
      profile: "serverless", namespace: "ns",
      overrides: [
        "sklearnStorageUri": TestParameters.airgapSklearnStorageUri(registry: "10.61.3.31:35000/mirror/"),
        "gpuCount": "2",
      ])
    #expect(parameters["sklearnStorageUri"] == "oci://10.61.3.31:35000/mirror/models/sklearn-iris:1.0")
    #expect(
      try parameters.substitute(
        ["n": "${gpuCount}", "s": "x-${gpuCount}", "b": "${requireGPU}", "lit": "$${namespace}"] as JSONValue)
        == ["n": 2, "s": "x-2", "b": false, "lit": "${namespace}"])
    #expect(throws: ConformanceError.self) { try parameters.substitute("${nope}" as JSONValue) }
    #expect(throws: ConformanceError.self) { try parameters.set("gpuCount", "two") }
    #expect(throws: ConformanceError.self) { try parameters.set("loadDuration", "soon") }
    #expect(throws: ConformanceError.self) {
      try TestParameters(profile: "raw", namespace: "ns", overrides: ["colour": "red"])
    }
    try parameters.set("loadDuration", "1m30s")
    #expect(parameters["loadDuration"] == "1m30s")
  }

  @Test("step schema errors name the file, the step and the field")
  func schemaErrors() throws {
    func error(_ steps: String) -> String {
      let text = "name: site\nkind: test\nsteps:\n" + steps
      do {
        let phase = try #require(try TestPhase.parse(text, file: "site/95-site.yaml"))
        _ = try phase.steps(parameters: try TestParameters(profile: "serverless", namespace: "ns"))
        return "no error"
      } catch let error as ConformanceError {
        return error.message
      } catch {
        return "\(error)"
      }
    }
    #expect(
      error("  - wait: {inferenceService: x, colour: red}\n").hasPrefix(
        "site/95-site.yaml step 1 (wait): wait.colour: unknown field"))
    #expect(
      error("  - request: {inferenceService: x, path: v1}\n")
        == "site/95-site.yaml step 1 (request): request.path: must start with /")
    #expect(
      error("  - observe: {replicas: {inferenceService: x}}\n").contains(
        "observe.replicas.above: give above: N (scale up) or atMost: N (scale down)"))
    #expect(error("  - wait: {inferenceService: x, timeout: soon}\n").contains("wait.timeout: invalid duration 'soon'"))
    #expect(
      error("  - apply: {objects: [{kind: X}]}\n").contains(
        "apply.objects[0]: needs apiVersion, kind and metadata.name"))
    #expect(
      error("  - request: {inferenceService: x, path: /a, expect: {json: [{path: 'a[', equals: 1}]}}\n").contains(
        "json[0].path"))
    #expect(
      error("  - apply: {objects: [{apiVersion: v1, kind: ConfigMap, metadata: {name: \"${unknown}\"}}]}\n").contains(
        "unknown parameter ${unknown}"))
    #expect(error("  - wait: {inferenceService: x}\n  - wait: {inferenceService: x}\n") == "no error")
  }

  @Test("steps of other profiles are left out and repeated names made unique")
  func profilesAndNames() throws {
    let text = """
      name: site
      kind: test
      steps:
        - wait: {inferenceService: a}
        - wait: {inferenceService: a, profiles: [raw]}
        - wait: {inferenceService: a}
      """
    let phase = try #require(try TestPhase.parse(text, file: "x.yaml"))
    #expect(
      try phase.steps(parameters: try TestParameters(profile: "serverless", namespace: "ns")).map(\.name) == [
        "ready", "ready-2",
      ])
    #expect(
      try phase.steps(parameters: try TestParameters(profile: "raw", namespace: "ns")).map(\.name) == [
        "ready", "ready-2", "ready-3",
      ])
  }
}
