import Foundation
import Kubernetes
import ServestackCore

extension FakeInferenceController {
  /// The split of one reconcile: KServe's `status.components.predictor`, the gateway's revisions, and the
  /// latest revision's failure when it never becomes ready.
  struct Split {
    var status: JSONValue
    var gateway: JSONValue
    var failing: (reason: String, message: String)?
  }

  /// Keeps the revisions of `isvc` as Knative does and splits the traffic as KServe's canary rollout does.
  func reconcileRevisions(
    _ tracked: inout Tracked, isvc name: String, uid: String, namespace: String, predictor: JSONValue,
    firstDeployment: String
  ) async throws -> Split {
    var spec = predictor
    spec["canaryTrafficPercent"] = nil
    if tracked.revisions.isEmpty {
      tracked.revisions = [
        Revision(name: Self.revisionName(name, 1), spec: spec, deployment: firstDeployment, modelSuffix: "")
      ]
    }
    if let last = tracked.revisions.last, !last.spec.semanticallyEquals(spec) {
      let number = tracked.revisions.count + 1
      let storage = { (value: JSONValue) in value[path: ["model", "storageUri"]]?.stringValue }
      let revision = Revision(
        name: Self.revisionName(name, number), spec: spec,
        deployment: "\(Self.revisionName(name, number))-deployment",
        modelSuffix: storage(spec) == storage(tracked.revisions[0].spec) ? "" : "-v2")
      let minReplicas = predictor["minReplicas"]?.intValue ?? 1
      var deployment = Self.deployment(
        revision.deployment, isvc: name, uid: uid, namespace: namespace, predictor: predictor, image: behaviour.image,
        replicas: max(minReplicas, 1))
      deployment.json.set(.string(revision.name), at: ["metadata", "labels", "serving.knative.dev/revision"])
      if try await client.getIfExists(
        ObjectReference(Self.deploymentKind, namespace: namespace, name: revision.deployment))
        == nil
      {
        _ = try await client.create(deployment)
      }
      tracked.revisions.append(revision)
    }
    let failure = behaviour.failingRevisions[name]
    tracked.revisions[0].everReady = tracked.everReady
    for index in tracked.revisions.indices.dropFirst() where !tracked.revisions[index].everReady && failure == nil {
      let reference = ObjectReference(
        Self.deploymentKind, namespace: namespace, name: tracked.revisions[index].deployment)
      let ready = try await client.getIfExists(reference)?[path: "status", "readyReplicas"]?.intValue ?? 0
      tracked.revisions[index].everReady = ready > 0
    }
    let latest = tracked.revisions.count - 1
    let latestReady = tracked.revisions[latest].everReady
    if tracked.rolledOut == nil && tracked.revisions[0].everReady { tracked.rolledOut = 0 }
    let canary = predictor["canaryTrafficPercent"]?.intValue
    if latestReady && canary == nil && tracked.rolledOut != latest {
      tracked.previousRolledOut = tracked.rolledOut
      tracked.rolledOut = latest
    }
    // (revision index, percent), the latest first as KServe lists it.
    var targets: [(Int, Int)]
    let base = tracked.rolledOut == latest ? tracked.previousRolledOut : tracked.rolledOut
    if !latestReady {
      targets = [(tracked.rolledOut ?? 0, 100)]
    } else if let canary, let base, latest > 0 {
      targets = [(latest, canary), (base, 100 - canary)]
    } else {
      targets = [(latest, 100)]
    }
    let revisions = tracked.revisions
    let traffic: [JSONValue] = targets.map { index, percent in
      var entry: JSONValue = [
        "revisionName": .string(revisions[index].name), "percent": .int(percent),
        "latestRevision": .bool(index == latest),
      ]
      if targets.count > 1 { entry["tag"] = index == latest ? "latest" : "prev" }
      return entry
    }
    var status: JSONValue = [
      "latestCreatedRevision": .string(revisions[latest].name), "traffic": .array(traffic),
    ]
    if let ready = revisions.lastIndex(where: \.everReady) {
      status["latestReadyRevision"] = .string(revisions[ready].name)
    }
    if let rolledOut = tracked.rolledOut { status["latestRolledoutRevision"] = .string(revisions[rolledOut].name) }
    if let previous = tracked.previousRolledOut {
      status["previousRolledoutRevision"] = .string(revisions[previous].name)
    }
    var gatewayTargets = targets
    if let wrong = behaviour.gatewayCanaryPercent, targets.count == 2, (1...99).contains(targets[0].1) {
      gatewayTargets = [(targets[0].0, wrong), (targets[1].0, 100 - wrong)]
    }
    let gateway: JSONValue = .array(
      gatewayTargets.map { index, percent in
        [
          "name": .string(revisions[index].name), "percent": .int(percent),
          "suffix": .string(revisions[index].modelSuffix),
        ]
      })
    var failing: (reason: String, message: String)?
    if latest > 0, let failure {
      failing = (
        failure.reason, "Revision \"\(revisions[latest].name)\" failed with message: \(failure.message)."
      )
    }
    return Split(status: status, gateway: gateway, failing: failing)
  }

  /// `sklearn-iris-predictor-00002`.
  static func revisionName(_ isvc: String, _ number: Int) -> String {
    let digits = String(number)
    return "\(isvc)-predictor-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
  }
}
