import ServestackCore

/// Reads a pod's status the way `kubectl get pods` and `describe` present it.
enum PodState {
  /// What is wrong with the pod, or nil when it is running and ready (or succeeded).
  static func problem(of pod: KubeObject) -> Diagnosis.Finding? {
    let name = "pod \(pod.name ?? "?")"
    let status = pod.status ?? .null
    let phase = status["phase"]?.stringValue ?? "Unknown"
    if pod.deletionTimestamp != nil { return .init(object: name, problem: "Terminating", detail: "") }
    if phase == "Succeeded" { return nil }
    if phase == "Failed" {
      let reason = status["reason"]?.stringValue ?? "Failed"
      let detail = [status["message"]?.stringValue, terminatedDetail(status)].compactMap { $0 }.joined(separator: " ")
      return .init(object: name, problem: reason, detail: detail.isEmpty ? "" : "(\(detail))")
    }
    let images = imagesByContainer(pod)
    for key in ["initContainerStatuses", "containerStatuses"] {
      for container in status[key]?.arrayValue ?? [] {
        let containerName = container["name"]?.stringValue ?? "?"
        if let waiting = container[path: ["state", "waiting"]], let reason = waiting["reason"]?.stringValue,
          reason != "ContainerCreating" && reason != "PodInitializing"
        {
          var detail: [String] = []
          if reason.contains("Image") || reason == "ErrImagePull" || reason == "InvalidImageName" {
            detail.append("image=\(container["image"]?.stringValue ?? images[containerName] ?? "?")")
          } else {
            detail.append("container=\(containerName)")
          }
          if reason == "CrashLoopBackOff", let last = container[path: ["lastState", "terminated"]] {
            let exit = last["exitCode"]?.intValue.map { " exit code \($0)" } ?? ""
            detail.append("last termination: \(last["reason"]?.stringValue ?? "terminated")\(exit)")
            if let restarts = container["restartCount"]?.intValue { detail.append("restarts=\(restarts)") }
          }
          if let message = waiting["message"]?.stringValue, !message.isEmpty { detail.append("(\(message))") }
          return .init(object: name, problem: reason, detail: detail.joined(separator: " "))
        }
        if key == "initContainerStatuses", let terminated = container[path: ["state", "terminated"]],
          (terminated["exitCode"]?.intValue ?? 0) != 0
        {
          return .init(
            object: name, problem: "Init:\(terminated["reason"]?.stringValue ?? "Error")",
            detail: "container=\(containerName) exit code \(terminated["exitCode"]?.intValue ?? -1)")
        }
      }
    }
    if phase == "Pending" {
      let scheduled = pod.condition("PodScheduled")
      if let scheduled, scheduled.status == "False" {
        return .init(
          object: name, problem: "Pending",
          detail: "(\([scheduled.reason, scheduled.message].compactMap { $0 }.joined(separator: ": ")))")
      }
      return .init(object: name, problem: "Pending", detail: "")
    }
    if pod.condition("Ready")?.isTrue == true { return nil }
    let notReady = (status["containerStatuses"]?.arrayValue ?? []).filter { $0["ready"]?.boolValue != true }
      .compactMap { $0["name"]?.stringValue }
    let detail = notReady.isEmpty ? "" : "containers not ready: \(notReady.joined(separator: ", "))"
    return .init(object: name, problem: phase == "Running" ? "Running, not ready" : phase, detail: detail)
  }

  private static func terminatedDetail(_ status: JSONValue) -> String? {
    for container in status["containerStatuses"]?.arrayValue ?? [] {
      if let terminated = container[path: ["state", "terminated"]], let code = terminated["exitCode"]?.intValue,
        code != 0
      {
        return
          "container \(container["name"]?.stringValue ?? "?"): \(terminated["reason"]?.stringValue ?? "Error") exit code \(code)"
      }
    }
    return nil
  }

  private static func imagesByContainer(_ pod: KubeObject) -> [String: String] {
    var images: [String: String] = [:]
    for key in ["initContainers", "containers"] {
      for container in pod.spec?[key]?.arrayValue ?? [] {
        if let name = container["name"]?.stringValue, let image = container["image"]?.stringValue {
          images[name] = image
        }
      }
    }
    return images
  }
}
