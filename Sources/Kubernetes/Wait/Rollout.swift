import ServestackCore

/// Rollout progress of workloads, computed the way `kubectl rollout status` computes it.
enum Rollout {
  static func state(of object: KubeObject) -> WaitState {
    switch object.kind {
    case "Deployment": deployment(object)
    case "StatefulSet": statefulSet(object)
    case "DaemonSet": daemonSet(object)
    default: .failed("\(object.kind ?? "this kind") has no rollout status")
    }
  }

  private static func int(_ object: KubeObject, _ path: String...) -> Int { object.json[path: path]?.intValue ?? 0 }

  private static func observed(_ object: KubeObject) -> Bool {
    (object.generation ?? 0) <= (object.observedGeneration ?? -1)
  }

  static func deployment(_ d: KubeObject) -> WaitState {
    guard observed(d) else { return .pending("waiting for the deployment spec update to be observed") }
    if let progressing = d.condition("Progressing"), progressing.reason == "ProgressDeadlineExceeded" {
      return .failed("exceeded its progress deadline")
    }
    let wanted = d.json[path: ["spec", "replicas"]]?.intValue ?? 1
    let updated = int(d, "status", "updatedReplicas")
    let total = int(d, "status", "replicas")
    let available = int(d, "status", "availableReplicas")
    if updated < wanted { return .pending("\(updated)/\(wanted) updated, \(available)/\(wanted) available") }
    if total > updated { return .pending("\(total - updated) old replica(s) pending termination") }
    if available < updated { return .pending("\(available)/\(wanted) available") }
    return .satisfied("\(available)/\(wanted) available")
  }

  static func statefulSet(_ s: KubeObject) -> WaitState {
    let wanted = s.json[path: ["spec", "replicas"]]?.intValue ?? 1
    let ready = int(s, "status", "readyReplicas")
    if s.json[path: ["spec", "updateStrategy", "type"]]?.stringValue == "OnDelete" {
      return ready >= wanted ? .satisfied("\(ready)/\(wanted) ready") : .pending("\(ready)/\(wanted) ready")
    }
    guard (s.observedGeneration ?? 0) != 0, observed(s) else {
      return .pending("waiting for the statefulset spec update to be observed")
    }
    if ready < wanted { return .pending("\(ready)/\(wanted) ready") }
    if let partition = s.json[path: ["spec", "updateStrategy", "rollingUpdate", "partition"]]?.intValue, partition > 0 {
      let updated = int(s, "status", "updatedReplicas")
      if updated < wanted - partition {
        return .pending("\(updated)/\(wanted - partition) updated (partitioned roll out)")
      }
      return .satisfied("partitioned roll out complete: \(updated) new pod(s) updated")
    }
    let current = s.json[path: ["status", "currentRevision"]]?.stringValue
    let update = s.json[path: ["status", "updateRevision"]]?.stringValue
    if let update, current != update {
      return .pending(
        "rolling update in progress: \(int(s, "status", "updatedReplicas"))/\(wanted) at revision \(update)")
    }
    return .satisfied("\(ready)/\(wanted) ready")
  }

  static func daemonSet(_ d: KubeObject) -> WaitState {
    guard observed(d) else { return .pending("waiting for the daemonset spec update to be observed") }
    let desired = int(d, "status", "desiredNumberScheduled")
    let updated = int(d, "status", "updatedNumberScheduled")
    let available = int(d, "status", "numberAvailable")
    // kubectl refuses OnDelete daemonsets; counting their pods the same way is more useful for a wait.
    if updated < desired { return .pending("\(updated)/\(desired) updated") }
    if available < desired { return .pending("\(available)/\(desired) available") }
    return .satisfied("\(available)/\(desired) available")
  }
}
