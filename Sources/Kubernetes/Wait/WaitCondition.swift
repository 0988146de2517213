import ServestackCore

/// Where an object stands with respect to a ``WaitCondition``.
public enum WaitState: Sendable, Equatable {
  /// The condition holds; the text says how (`1/1 available`).
  case satisfied(String)
  /// Not yet; the text says what is missing (`0/1 available`).
  case pending(String)
  /// It will not hold without someone acting (a failed Job, a deployment past its progress deadline).
  case failed(String)

  public var text: String {
    switch self {
    case .satisfied(let text), .pending(let text), .failed(let text): text
    }
  }
}

/// A reusable condition to wait for, evaluated on each version of the watched object (nil when it does
/// not exist).
public struct WaitCondition: Sendable {
  /// What is being waited for, for messages: `rolled out`, `established`, `deleted`.
  public var name: String
  /// How a timeout says the condition was not met: `not rolled out`, `no ready endpoints` (a name that is
  /// not an adjective cannot simply be negated).
  public var unmet: String
  /// The object to watch for a given target (a Service's endpoints are in the Endpoints of that name).
  public var watchTarget: @Sendable (ObjectReference) -> ObjectReference
  public var evaluate: @Sendable (KubeObject?) -> WaitState
  /// Whether a timeout should be explained by looking at the target's pods and events.
  public var diagnoseWorkload: Bool

  public init(
    name: String, unmet: String? = nil, diagnoseWorkload: Bool = false,
    watchTarget: @escaping @Sendable (ObjectReference) -> ObjectReference = { $0 },
    evaluate: @escaping @Sendable (KubeObject?) -> WaitState
  ) {
    self.name = name
    self.unmet = unmet ?? "not \(name)"
    self.diagnoseWorkload = diagnoseWorkload
    self.watchTarget = watchTarget
    self.evaluate = evaluate
  }

  /// A CustomResourceDefinition is `Established` (its API is served); fails when its names are not accepted.
  public static let established = WaitCondition(name: "established") { object in
    guard let object else { return .pending("does not exist") }
    if let names = object.condition("NamesAccepted"), names.status == "False" {
      return .failed("names not accepted: \(names.message ?? names.reason ?? "")")
    }
    return object.condition("Established")?.isTrue == true ? .satisfied("established") : .pending("not established yet")
  }

  /// A Deployment, StatefulSet or DaemonSet has rolled out, computed as `kubectl rollout status` does.
  public static let rolledOut = WaitCondition(name: "rolled out", diagnoseWorkload: true) { object in
    guard let object else { return .pending("does not exist") }
    return Rollout.state(of: object)
  }

  /// A Job completed; a `Failed` condition ends the wait early.
  public static let jobComplete = WaitCondition(name: "complete", diagnoseWorkload: true) { object in
    guard let object else { return .pending("does not exist") }
    if let failed = object.condition("Failed"), failed.isTrue {
      return .failed("failed: \(failed.reason ?? "")\(failed.message.map { " (\($0))" } ?? "")")
    }
    if object.condition("Complete")?.isTrue == true { return .satisfied("complete") }
    let succeeded = object[path: "status", "succeeded"]?.intValue ?? 0
    let completions = object[path: "spec", "completions"]?.intValue ?? 1
    return .pending("\(succeeded)/\(completions) succeeded")
  }

  /// `status.conditions[type]` has `status` (`True` by default).
  public static func condition(_ type: String, status: String = "True") -> WaitCondition {
    WaitCondition(name: "\(type)=\(status)") { object in
      guard let object else { return .pending("does not exist") }
      guard let condition = object.condition(type) else { return .pending("no \(type) condition yet") }
      if condition.status == status { return .satisfied("\(type)=\(status)") }
      let why = [condition.reason, condition.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
      return .pending("\(type)=\(condition.status)\(why.isEmpty ? "" : " (\(why))")")
    }
  }

  /// A Service has at least one ready endpoint address (watches the Endpoints of the same name).
  public static let serviceHasEndpoints = WaitCondition(
    name: "has ready endpoints", unmet: "no ready endpoints",
    watchTarget: { ObjectReference(.endpoints, namespace: $0.namespace, name: $0.name) },
    evaluate: { endpoints in
      guard let endpoints else { return .pending("no endpoints object yet") }
      let (ready, notReady) = endpoints.endpointAddresses
      if ready > 0 { return .satisfied("\(ready) ready endpoint(s)") }
      return .pending(
        notReady > 0 ? "0 ready endpoints (\(notReady) not ready)" : "no endpoints (no ready pod matches the selector)")
    })

  /// The object no longer exists.
  public static let deleted = WaitCondition(name: "deleted") { object in
    guard let object else { return .satisfied("gone") }
    let finalizers = (object[path: "metadata", "finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
    if object.deletionTimestamp != nil {
      return .pending(
        finalizers.isEmpty ? "being deleted" : "being deleted, finalizers: \(finalizers.joined(separator: ", "))")
    }
    return .pending("still exists")
  }

  /// The object exists.
  public static let exists = WaitCondition(name: "created") { object in
    object == nil ? .pending("does not exist") : .satisfied("exists")
  }

  /// Whatever "ready" means for the kind: rolled out (Deployment, StatefulSet, DaemonSet), complete (Job),
  /// established (CRD), ready endpoints (Service), `Ready` (Pod and anything with a Ready condition),
  /// else that it exists.
  public static func ready(for gvk: GroupVersionKind) -> WaitCondition {
    switch (gvk.group, gvk.kind) {
    case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"): return .rolledOut
    case ("batch", "Job"): return .jobComplete
    case ("apiextensions.k8s.io", "CustomResourceDefinition"): return .established
    case ("", "Service"): return .serviceHasEndpoints
    default:
      return WaitCondition(name: "ready", diagnoseWorkload: gvk.kind == "Pod") { object in
        guard let object else { return .pending("does not exist") }
        guard let ready = object.condition("Ready") else { return .satisfied("exists") }
        if ready.isTrue { return .satisfied("Ready") }
        return .pending("Ready=\(ready.status)\(ready.message.map { " (\($0))" } ?? "")")
      }
    }
  }
}
