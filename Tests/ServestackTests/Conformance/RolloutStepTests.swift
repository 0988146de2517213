import Conformance
import Foundation
import ServestackCore
import Testing

@Suite("Canary and scale-to-zero steps: the binomial interval, the step schema, the parameters")
struct RolloutStepTests {
  @Test(
    "the Clopper–Pearson interval matches scipy's beta quantiles",
    arguments: [
      (41, 200, 0.1367880692436821, 0.2877094149202052), (98, 200, 0.3976135979794604, 0.5828740621567898),
    ])
  func clopperPearson(successes: Int, trials: Int, lower: Double, upper: Double) {
    let interval = BinomialInterval(successes: successes, trials: trials, confidence: 0.99)
    #expect(abs(interval.lower - lower) < 1e-9, "\(interval.lower)")
    #expect(abs(interval.upper - upper) < 1e-9, "\(interval.upper)")
    #expect(interval.contains(0.2) == (successes == 41))
  }

  @Test("the interval at the edges: no success starts at 0, all successes end at 1")
  func edges() {
    let none = BinomialInterval(successes: 0, trials: 200)
    #expect(none.lower == 0 && none.upper > 0.02 && none.upper < 0.03 && !none.contains(0.2))
    let all = BinomialInterval(successes: 200, trials: 200)
    #expect(all.upper == 1 && all.lower > 0.97 && all.contains(1))
    #expect(BinomialInterval(successes: 0, trials: 0).contains(0.5))
  }

  static func parse(_ yaml: String, profile: String = "serverless", overrides: [String: String] = [:]) throws
    -> [ConformanceStep]
  {
    let phase = try #require(try TestPhase.parse(yaml, file: "phases/99-test.yaml"))
    return try phase.steps(
      parameters: try TestParameters(profile: profile, namespace: "ns", overrides: overrides))
  }

  @Test("a traffic step parses with its defaults; canaryPredictions is JSON or empty for any other answer")
  func trafficStep() throws {
    let yaml = """
      name: t
      kind: test
      steps:
        - observe:
            traffic:
              inferenceService: m
              canaryPercent: 20
              path: /v1/models/m:predict
              body: {"instances": [[1, 2, 3, 4]]}
              stable: {path: predictions, equals: [1]}
              canary: {path: predictions, equals: "${canaryPredictions}"}
      """
    let steps = try Self.parse(yaml, overrides: ["canaryPredictions": "[2]"])
    guard case .observeTraffic(let spec) = steps[0].kind else {
      Issue.record("not a traffic step: \(steps[0].kind)")
      return
    }
    #expect(steps[0].name == "traffic")
    #expect(spec.requests == 200 && spec.concurrency == 4 && spec.confidence == 0.99 && spec.canaryPercent == 20)
    #expect(spec.canaryEquals == [2] && spec.stable.equals == [1] && spec.request.method == "POST")
    guard case .observeTraffic(let learn) = try Self.parse(yaml)[0].kind else { return }
    #expect(learn.canaryEquals == nil)
    #expect(throws: ConformanceError.self) { try Self.parse(yaml, overrides: ["canaryPredictions": "[1]"]) }
    #expect(throws: ConformanceError.self) { try Self.parse(yaml, overrides: ["canaryPredictions": "[2"]) }
    #expect(throws: ConformanceError.self) {
      try Self.parse(yaml.replacingOccurrences(of: "canaryPercent: 20", with: "canaryPercent: 120"))
    }
  }

  @Test("require skips the rest of the phase outside its profiles; scaleToZero names its ConfigMap")
  func requireAndScaleToZero() throws {
    let yaml = """
      name: t
      kind: test
      steps:
        - require:
            profile: [serverless]
            reason: no split here
        - observe:
            scaleToZero:
              inferenceService: m
              autoscalerConfig: ${knativeNamespace}/config-autoscaler
              path: /v1/models/m:predict
              body: {"instances": [[1, 2, 3, 4]]}
      """
    let steps = try Self.parse(yaml, overrides: ["knativeNamespace": "kn"])
    guard case .require(let profiles, let value, let reason) = steps[0].kind,
      case .observeScaleToZero(let spec) = steps[1].kind
    else {
      Issue.record("wrong kinds: \(steps.map(\.kind))")
      return
    }
    #expect(profiles == ["serverless"] && value == nil && reason == "no split here" && steps[0].name == "profile")
    #expect(spec.autoscalerConfig == "kn/config-autoscaler" && steps[1].name == "scale-to-zero")
    #expect(throws: ConformanceError.self) {
      try Self.parse(yaml.replacingOccurrences(of: "${knativeNamespace}/config-autoscaler", with: "config-autoscaler"))
    }
    let gated = try Self.parse(
      yaml.replacingOccurrences(of: "profile: [serverless]", with: "value: \"${canaryStorageUri}\""))
    guard case .require(nil, let value, _) = gated[0].kind else {
      Issue.record("not a value requirement: \(gated[0].kind)")
      return
    }
    #expect(value == "" && gated[0].name == "requirement")
  }
}
