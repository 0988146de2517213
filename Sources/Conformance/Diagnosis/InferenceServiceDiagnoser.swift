import Kubernetes
import ServestackCore

/// Explains why an InferenceService is not Ready, not placed or not scaling: its own conditions and model
/// status, its predictor workloads and pods (image pull errors with the image, scheduler messages, crash
/// loops, from ``WorkloadDiagnoser``), the Knative Service behind it, and recent Warning events of the
/// namespace. Never throws: what it cannot read, it leaves out.
struct InferenceServiceDiagnoser: Sendable {
  let client: KubeClient
  var maximumEvents = 5

  func diagnose(inferenceService name: String, namespace: String) async -> [String] {
    var findings: [String] = []
    let reference = ObjectReference(KubeKinds.inferenceService, namespace: namespace, name: name)
    if let isvc = try? await client.getIfExists(reference) {
      findings += Self.conditionFindings(isvc, label: "InferenceService \(namespace)/\(name)")
      if let failure = isvc[path: "status", "modelStatus", "lastFailureInfo"],
        let reason = failure["reason"]?.stringValue
      {
        findings.append(
          "InferenceService \(namespace)/\(name): model failure \(reason)\(failure["message"]?.stringValue.map { ": \($0)" } ?? "")"
        )
      }
    } else {
      findings.append("InferenceService \(namespace)/\(name) does not exist")
    }
    let selector = "\(KubeKinds.inferenceServiceLabel)=\(name)"
    let deployments =
      (try? await client.list(
        GroupVersionKind.deployment, namespace: namespace, options: ListOptions(labelSelector: selector)))?.items ?? []
    let diagnoser = WorkloadDiagnoser(client: client)
    for deployment in deployments {
      guard let reference = deployment.reference else { continue }
      let diagnosis = await diagnoser.diagnose(reference)
      if diagnosis.findings.isEmpty {
        findings.append("\(diagnosis.subject): \(diagnosis.summary)")
      } else {
        findings += diagnosis.findings.map { "\(diagnosis.subject): \($0)" }
      }
    }
    if deployments.isEmpty {
      let pods =
        (try? await client.list(
          GroupVersionKind.pod, namespace: namespace, options: ListOptions(labelSelector: selector)))?.items ?? []
      for pod in pods.prefix(5) {
        guard let reference = pod.reference else { continue }
        findings += await diagnoser.diagnose(reference).findings.map(\.description)
      }
      if pods.isEmpty {
        findings.append("no predictor Deployment or pod labelled \(selector) in namespace \(namespace)")
      }
    }
    let ksvc = ObjectReference(KubeKinds.knativeService, namespace: namespace, name: "\(name)-predictor")
    if let service = try? await client.getIfExists(ksvc) {
      findings += Self.conditionFindings(service, label: "Knative Service \(namespace)/\(name)-predictor")
    }
    findings += await recentWarnings(namespace: namespace, excluding: findings)
    var seen = Set<String>()
    return findings.filter { seen.insert($0).inserted }
  }

  /// Conditions that are not True, with reason and message.
  static func conditionFindings(_ object: KubeObject, label: String) -> [String] {
    object.conditions.filter { !$0.isTrue }.map { condition in
      let why = [condition.reason, condition.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
      return "\(label): \(condition.type)=\(condition.status)\(why.isEmpty ? "" : " (\(why))")"
    }
  }

  /// The newest Warning events of the namespace whose message is not already in `excluding`.
  func recentWarnings(namespace: String, excluding: [String]) async -> [String] {
    guard
      let events = try? await client.list(
        GroupVersionKind.event, namespace: namespace, options: ListOptions(fieldSelector: "type=Warning"))
    else { return [] }
    let sorted = events.items.sorted { Self.time($0) > Self.time($1) }
    var lines: [String] = []
    for event in sorted {
      guard lines.count < maximumEvents else { break }
      let message = event["message"]?.stringValue ?? ""
      if !message.isEmpty && excluding.contains(where: { $0.contains(message) }) { continue }
      let kind = event[path: "involvedObject", "kind"]?.stringValue ?? "?"
      let name = event[path: "involvedObject", "name"]?.stringValue ?? "?"
      let line = "event Warning \(event["reason"]?.stringValue ?? "") \(kind.lowercased()) \(name): \(message)"
      if !lines.contains(line) { lines.append(line) }
    }
    return lines
  }

  static func time(_ event: KubeObject) -> String {
    event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue ?? event.creationTimestamp ?? ""
  }
}
