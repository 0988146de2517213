import Foundation
import ServestackCore

/// Explains why a workload (Deployment, StatefulSet, DaemonSet, Job, Pod) is not ready by reading its
/// status, its pods and the Warning events about them. Reused by waits, the installer's status and the
/// conformance tests. It never throws: what it cannot read it leaves out.
public struct WorkloadDiagnoser: Sendable {
  public let client: KubeClient
  /// At most this many pods are described.
  public var maximumPods = 5

  public init(client: KubeClient) { self.client = client }

  /// The diagnosis of `reference` now.
  public func diagnose(_ reference: ObjectReference) async -> Diagnosis {
    guard let object = try? await client.getIfExists(reference) else {
      return Diagnosis(subject: reference, summary: "does not exist", findings: [])
    }
    var subject = reference
    subject.namespace = object.namespace
    let summary = Self.summary(object)
    var findings: [Finding] = []
    if reference.gvk.kind == "Pod" {
      findings = await describe(pods: [object])
    } else if let selector = Self.selector(object), let namespace = object.namespace {
      let pods =
        (try? await client.list(
          GroupVersionKind.pod, namespace: namespace, options: ListOptions(labelSelector: selector)))?.items ?? []
      findings = await describe(pods: pods)
      if findings.isEmpty && !Self.isHealthy(object) {
        findings += Self.conditionFindings(object, name: subject.description)
        findings += await ownedControllerFindings(object, selector: selector)
        findings += await warningEvents(for: object, label: subject.description)
        if pods.isEmpty && findings.isEmpty {
          findings.append(Finding(object: subject.description, problem: "no pods", detail: "(none match \(selector))"))
        }
      }
    } else {
      findings += Self.conditionFindings(object, name: subject.description)
      findings += await warningEvents(for: object, label: subject.description)
    }
    return Diagnosis(subject: subject, summary: summary, findings: findings)
  }

  typealias Finding = Diagnosis.Finding

  /// Describes the pods that are not ready, worst first, with their latest Warning event when the status
  /// alone does not say why.
  func describe(pods: [KubeObject]) async -> [Finding] {
    var findings: [Finding] = []
    for pod in pods.sorted(by: { ($0.name ?? "") < ($1.name ?? "") }) {
      guard findings.count < maximumPods, var finding = PodState.problem(of: pod) else { continue }
      if finding.detail.isEmpty || finding.problem == "Running, not ready" || finding.problem == "Pending" {
        if let event = await latestWarning(kind: "Pod", name: pod.name ?? "", namespace: pod.namespace),
          !finding.detail.contains(Self.message(of: event))
        {
          finding.detail += (finding.detail.isEmpty ? "" : " ") + "[\(event)]"
        }
      }
      findings.append(finding)
    }
    return findings
  }

  static func isHealthy(_ object: KubeObject) -> Bool {
    switch object.kind {
    case "Deployment", "StatefulSet", "DaemonSet":
      if case .satisfied = Rollout.state(of: object) { return true }
      return false
    case "Job": return object.condition("Complete")?.isTrue == true
    default: return false
    }
  }

  /// `0/1 available`, `2/3 ready`, `0/1 succeeded, 1 failed`, the pod phase.
  static func summary(_ object: KubeObject) -> String {
    let status = object.status ?? .null
    let wanted = object.spec?["replicas"]?.intValue ?? 1
    switch object.kind {
    case "Deployment":
      let available = status["availableReplicas"]?.intValue ?? 0
      let updated = status["updatedReplicas"]?.intValue ?? 0
      return updated < wanted
        ? "\(available)/\(wanted) available, \(updated)/\(wanted) updated" : "\(available)/\(wanted) available"
    case "StatefulSet": return "\(status["readyReplicas"]?.intValue ?? 0)/\(wanted) ready"
    case "DaemonSet":
      return "\(status["numberAvailable"]?.intValue ?? 0)/\(status["desiredNumberScheduled"]?.intValue ?? 0) available"
    case "Job":
      let completions = object.spec?["completions"]?.intValue ?? 1
      return "\(status["succeeded"]?.intValue ?? 0)/\(completions) succeeded, \(status["failed"]?.intValue ?? 0) failed"
    case "Pod": return status["phase"]?.stringValue ?? "Unknown"
    default:
      let conditions = object.conditions.map { "\($0.type)=\($0.status)" }
      return conditions.isEmpty ? "exists" : conditions.joined(separator: ", ")
    }
  }

  /// The label selector of a workload's pods (`matchLabels` and `matchExpressions`) as a query string.
  static func selector(_ object: KubeObject) -> String? {
    guard let selector = object.spec?["selector"] else { return nil }
    var parts: [String] = []
    for (key, value) in selector["matchLabels"]?.objectValue ?? [:] {
      if let text = value.stringValue { parts.append("\(key)=\(text)") }
    }
    for expression in selector["matchExpressions"]?.arrayValue ?? [] {
      guard let key = expression["key"]?.stringValue, let op = expression["operator"]?.stringValue else { continue }
      let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
      switch op {
      case "In": parts.append("\(key) in (\(values))")
      case "NotIn": parts.append("\(key) notin (\(values))")
      case "Exists": parts.append(key)
      case "DoesNotExist": parts.append("!\(key)")
      default: continue
      }
    }
    if parts.isEmpty {
      // Pods of a plain `selector: {app: x}` (Services, old ReplicationControllers).
      for (key, value) in selector.objectValue ?? [:] where key != "matchLabels" && key != "matchExpressions" {
        if let text = value.stringValue { parts.append("\(key)=\(text)") }
      }
    }
    return parts.isEmpty ? nil : parts.joined(separator: ",")
  }

  static func conditionFindings(_ object: KubeObject, name: String) -> [Finding] {
    var findings: [Finding] = []
    for condition in object.conditions {
      let bad =
        (condition.type == "ReplicaFailure" && condition.isTrue) || (condition.type == "Failed" && condition.isTrue)
        || (condition.type == "Progressing" && condition.status == "False")
        || (condition.type == "Available" && condition.status == "False" && condition.message != nil)
      if bad {
        findings.append(
          Finding(
            object: name, problem: condition.reason ?? condition.type, detail: condition.message.map { "(\($0))" } ?? ""
          ))
      }
    }
    return findings
  }

  /// For a Deployment with no pods: the Warning events of its newest ReplicaSet (FailedCreate: quota,
  /// admission webhooks, pod security).
  private func ownedControllerFindings(_ object: KubeObject, selector: String) async -> [Finding] {
    guard object.kind == "Deployment", let namespace = object.namespace,
      let sets = try? await client.list(
        GroupVersionKind.replicaSet, namespace: namespace, options: ListOptions(labelSelector: selector))
    else { return [] }
    let owned = sets.items.filter { set in
      (set[path: "metadata", "ownerReferences"]?.arrayValue ?? []).contains { $0["uid"]?.stringValue == object.uid }
    }
    guard let newest = owned.max(by: { ($0.creationTimestamp ?? "") < ($1.creationTimestamp ?? "") }),
      let name = newest.name
    else { return [] }
    guard let event = await latestWarning(kind: "ReplicaSet", name: name, namespace: namespace) else { return [] }
    return [Finding(object: "replicaset \(namespace)/\(name)", problem: "warning", detail: event)]
  }

  private func warningEvents(for object: KubeObject, label: String) async -> [Finding] {
    guard let kind = object.kind, let name = object.name,
      let event = await latestWarning(kind: kind, name: name, namespace: object.namespace)
    else { return [] }
    return [Finding(object: label, problem: "warning", detail: event)]
  }

  /// `Reason: message` of the most recent Warning event about the object.
  func latestWarning(kind: String, name: String, namespace: String?) async -> String? {
    let selector = "involvedObject.kind=\(kind),involvedObject.name=\(name),type=Warning"
    guard
      let events = try? await client.list(
        GroupVersionKind.event, namespace: namespace, options: ListOptions(fieldSelector: selector)),
      let latest = events.items.max(by: { Self.eventTime($0) < Self.eventTime($1) })
    else { return nil }
    let reason = latest["reason"]?.stringValue ?? "Warning"
    let message = (latest["message"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    return message.isEmpty ? reason : "\(reason): \(message)"
  }

  /// The message part of `Reason: message`.
  static func message(of event: String) -> String {
    guard let colon = event.range(of: ": ") else { return event }
    return String(event[colon.upperBound...])
  }

  private static func eventTime(_ event: KubeObject) -> String {
    event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue ?? event.creationTimestamp ?? ""
  }
}
