import Foundation
import Kubernetes
import ServestackCore
import Synchronization

extension TestRunner {
  /// The canary step: waits until the InferenceService's latest revision is ready and KServe reports the split
  /// (`status.components.predictor.traffic`), then sends `spec.requests` requests, sorts the answers by
  /// revision and tests the canary's share against `canaryPercent` with a Clopper–Pearson interval. At 0 % and
  /// 100 % (rolled back, promoted) every answer must come from one revision.
  func observeTraffic(_ spec: ConformanceStep.TrafficSpec, step: ConformanceStep, run: RunContext) async
    -> StepOutcome
  {
    let started = ContinuousClock.now
    let deadline = started + step.timeout
    let isvc = spec.inferenceService
    var split: TrafficStatus?
    while true {
      let reference = ObjectReference(KubeKinds.inferenceService, namespace: run.namespace, name: isvc)
      if let object = try? await client.getIfExists(reference) {
        split = TrafficStatus(object)
        if split?.settled(canaryPercent: spec.canaryPercent) == true { break }
      }
      if ContinuousClock.now >= deadline || Task.isCancelled {
        let waited = formatSeconds((ContinuousClock.now - started).seconds)
        let diagnosis = await InferenceServiceDiagnoser(client: client).diagnose(
          inferenceService: isvc, namespace: run.namespace)
        guard let split else {
          return StepOutcome(
            .failed, "InferenceService \(run.namespace)/\(isvc) not found after \(waited)", diagnosis: diagnosis)
        }
        return StepOutcome(
          .failed, split.notSettledReason(canaryPercent: spec.canaryPercent, waited: waited), diagnosis: diagnosis)
      }
      try? await Task.sleep(for: .milliseconds(500))
    }
    guard let split else { return StepOutcome(.failed, "no status") }
    let endpoint: InferenceEndpoint
    switch await self.endpoint(for: isvc, run: run) {
    case .success(let found): endpoint = found
    case .failure(let failure): return StepOutcome(.failed, failure.reason)
    }
    var request = spec.request
    request.timeout = min(request.timeout, .seconds(30))
    let tally = await sendSplitRequests(spec, request: request, endpoint: endpoint)
    return trafficVerdict(spec, tally: tally, split: split)
  }

  /// The answers sorted by the revision that gave them.
  struct SplitTally: Sendable {
    var stable = 0
    var canary = 0
    var neither = 0
    var failed = 0
    var firstNeither: String?
    var firstFailure: String?
    var answered: Int { stable + canary + neither }
  }

  func sendSplitRequests(_ spec: ConformanceStep.TrafficSpec, request: InferenceRequest, endpoint: InferenceEndpoint)
    async -> SplitTally
  {
    let inference = self.inference
    let counter = SplitCounter(total: spec.requests)
    return await withTaskGroup(of: SplitTally.self) { group in
      for _ in 0..<min(spec.concurrency, spec.requests) {
        group.addTask {
          var tally = SplitTally()
          while counter.take() {
            let response = await inference.send(request, to: endpoint)
            guard let status = response.status, (200..<300).contains(status), let document = response.json else {
              tally.failed += 1
              if tally.firstFailure == nil {
                tally.firstFailure =
                  response.status.map { "status \($0): \(response.bodyExcerpt)" } ?? response.failureSummary
              }
              continue
            }
            let stableValue = spec.stable.path.value(in: document)
            let canaryValue = spec.canaryPath.value(in: document)
            if stableValue?.semanticallyEquals(spec.stable.equals) == true {
              tally.stable += 1
            } else if let canaryValue, spec.canaryEquals.map({ canaryValue.semanticallyEquals($0) }) ?? true {
              tally.canary += 1
            } else {
              tally.neither += 1
              if tally.firstNeither == nil { tally.firstNeither = response.bodyExcerpt }
            }
          }
          return tally
        }
      }
      var total = SplitTally()
      for await part in group {
        total.stable += part.stable
        total.canary += part.canary
        total.neither += part.neither
        total.failed += part.failed
        total.firstNeither = total.firstNeither ?? part.firstNeither
        total.firstFailure = total.firstFailure ?? part.firstFailure
      }
      return total
    }
  }

  func trafficVerdict(_ spec: ConformanceStep.TrafficSpec, tally: SplitTally, split: TrafficStatus) -> StepOutcome {
    let canaryName = split.latestReady ?? "the latest revision"
    let stableName = split.previous ?? "the previous revision"
    let canaryAnswer = spec.canaryEquals.map { "\(spec.canaryPath) = \(JSONDiff.brief($0))" } ?? "another answer"
    let stableAnswer = "\(spec.stable.path) = \(JSONDiff.brief(spec.stable.equals))"
    let counts =
      "\(canaryName) (canary, \(canaryAnswer)) answered \(tally.canary) of \(tally.answered), "
      + "\(stableName) (\(stableAnswer)) \(tally.stable)"
    let status = "status: \(split.summary)"
    if tally.failed > 0 {
      return StepOutcome(
        .failed, "\(tally.failed) of \(spec.requests) requests failed: \(tally.firstFailure ?? "")",
        diagnosis: [counts, status])
    }
    if tally.neither > 0 {
      return StepOutcome(
        .failed,
        "wrong revision answering: \(tally.neither) of \(tally.answered) answers are neither the stable one (\(stableAnswer)) nor the canary's (\(canaryAnswer)); first: \(tally.firstNeither ?? "")",
        diagnosis: [counts, status])
    }
    let interval = BinomialInterval(successes: tally.canary, trials: tally.answered, confidence: spec.confidence)
    let expected = Double(spec.canaryPercent) / 100
    switch spec.canaryPercent {
    case 0:
      guard tally.canary == 0 else {
        return StepOutcome(
          .failed, "rolled back, yet the canary answered: \(counts) (wanted every answer from \(stableName))",
          diagnosis: [status])
      }
      return StepOutcome(.passed, "every answer from \(stableName): \(counts)")
    case 100:
      guard tally.stable == 0 else {
        return StepOutcome(
          .failed, "promoted, yet the previous revision answered: \(counts) (wanted every answer from \(canaryName))",
          diagnosis: [status])
      }
      return StepOutcome(.passed, "every answer from \(canaryName): \(counts)")
    default:
      let level = Self.percentText(spec.confidence)
      let share =
        "\(counts): \(Self.percentText(interval.share)) canary, \(level) interval \(Self.percentText(interval.lower))–\(Self.percentText(interval.upper))"
      let metrics: [String: Double] = [
        "canaryRequests": Double(tally.answered), "canaryAnswers": Double(tally.canary),
        "canaryExpectedPercent": Double(spec.canaryPercent), "canaryObservedPercent": interval.share * 100,
        "canaryIntervalLowPercent": interval.lower * 100, "canaryIntervalHighPercent": interval.upper * 100,
      ]
      if interval.contains(expected) {
        return StepOutcome(.passed, "\(share) holds the configured \(spec.canaryPercent) %", metrics: metrics)
      }
      return StepOutcome(
        .failed,
        "the split is not \(spec.canaryPercent) %: \(share), which excludes \(spec.canaryPercent) %",
        diagnosis: [
          status, "the gateway does not split traffic as KServe's status says: check the Knative Route and the ingress",
        ],
        metrics: metrics)
    }
  }

  /// `20 %`, `20.5 %`.
  static func percentText(_ proportion: Double) -> String {
    let tenths = (proportion * 1000).rounded() / 10
    return tenths.rounded() == tenths ? "\(Int(tenths)) %" : "\(tenths) %"
  }
}

/// Hands out request numbers to the split's senders.
final class SplitCounter: Sendable {
  private let remaining: Mutex<Int>
  init(total: Int) { remaining = Mutex(total) }
  func take() -> Bool {
    remaining.withLock { count in
      guard count > 0 else { return false }
      count -= 1
      return true
    }
  }
}
