import Kubernetes
import ServestackCore

/// What KServe reports about an InferenceService's revisions and traffic split: `status.components.predictor`
/// (`latestCreatedRevision`, `latestReadyRevision`, `latestRolledoutRevision`, `previousRolledoutRevision`,
/// `traffic[]` of `{revisionName, percent, latestRevision, tag}`), the Ready condition and the generations.
struct TrafficStatus: Sendable {
  struct Target: Sendable {
    var revision: String
    var percent: Int
    var latest: Bool
    var tag: String?
  }

  var name: String
  var generation: Int
  var observedGeneration: Int
  var ready: Condition?
  var latestCreated: String?
  var latestReady: String?
  var latestRolledout: String?
  var previousRolledout: String?
  var traffic: [Target]

  init(_ isvc: KubeObject) {
    name = isvc.name ?? "?"
    generation = isvc.generation ?? 0
    observedGeneration = isvc[path: "status", "observedGeneration"]?.intValue ?? 0
    ready = isvc.conditions.first { $0.type == "Ready" }
    let predictor = isvc[path: "status", "components", "predictor"]
    latestCreated = predictor?["latestCreatedRevision"]?.stringValue
    latestReady = predictor?["latestReadyRevision"]?.stringValue
    latestRolledout = predictor?["latestRolledoutRevision"]?.stringValue
    previousRolledout = predictor?["previousRolledoutRevision"]?.stringValue
    traffic = (predictor?["traffic"]?.arrayValue ?? []).compactMap { entry in
      guard let revision = entry["revisionName"]?.stringValue else { return nil }
      return Target(
        revision: revision, percent: entry["percent"]?.intValue ?? 0,
        latest: entry["latestRevision"]?.boolValue ?? false,
        tag: entry["tag"]?.stringValue)
    }
  }

  /// The share KServe routes to the latest created revision.
  var latestPercent: Int {
    traffic.filter { $0.revision == latestCreated || ($0.latest && latestCreated == nil) }.reduce(0) { $0 + $1.percent }
  }

  /// The revision that gets the rest: the largest other target, else the previous rolled-out revision.
  var previous: String? {
    traffic.filter { $0.revision != latestCreated }.max { $0.percent < $1.percent }?.revision ?? previousRolledout
  }

  var revisionReady: Bool { latestCreated != nil && latestReady == latestCreated }

  /// The latest revision is ready, KServe has seen the current spec and routes `canaryPercent` to it.
  func settled(canaryPercent: Int) -> Bool {
    observedGeneration >= generation && revisionReady && ready?.isTrue == true && !traffic.isEmpty
      && latestPercent == canaryPercent && traffic.reduce(0, { $0 + $1.percent }) == 100
  }

  /// Why the split cannot be measured yet, for the failed check.
  func notSettledReason(canaryPercent: Int, waited: String) -> String {
    let condition =
      ready.map { condition in
        let why = [condition.reason, condition.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        return "Ready=\(condition.status)\(why.isEmpty ? "" : " (\(why))")"
      } ?? "no Ready condition"
    if let latestCreated, !revisionReady {
      return
        "revision \(latestCreated) of \(name) is not ready after \(waited) (latest ready: \(latestReady ?? "none")): \(condition)"
    }
    if observedGeneration < generation {
      return
        "KServe has not reconciled generation \(generation) of \(name) after \(waited) (observed \(observedGeneration)): \(condition)"
    }
    if ready?.isTrue != true { return "\(name) is not Ready after \(waited): \(condition)" }
    if traffic.isEmpty {
      return
        "the split is not applied: \(name) reports no status.components.predictor.traffic after \(waited) (KServe's RawDeployment has no traffic split)"
    }
    return
      "the split is not applied after \(waited): KServe routes \(latestPercent) % to \(latestCreated ?? "the latest revision"), wanted \(canaryPercent) % (\(summary))"
  }

  /// `traffic sklearn-predictor-00001 80 % (prev), sklearn-predictor-00002 20 % (latest)`.
  var summary: String {
    guard !traffic.isEmpty else { return "no traffic targets" }
    return "traffic "
      + traffic.map { target in
        "\(target.revision) \(target.percent) %" + (target.tag.map { " (\($0))" } ?? (target.latest ? " (latest)" : ""))
      }.joined(separator: ", ")
  }
}
