public import ServestackCore

/// What "this phase is done" means: one entry of a phase's `wait:` list.
public enum PhaseWait: Hashable, Sendable, CustomStringConvertible {
  /// `{crds: established}`: every CRD of the phase is Established.
  case crdsEstablished
  /// `{workloads: available}`: every Deployment, StatefulSet, DaemonSet and Job of the phase is available
  /// (or complete).
  case workloadsAvailable
  /// `{webhooks: serving}`: every webhook of the phase serves (endpoints, caBundle, a dry-run answered).
  case webhooksServing
  /// `{certificates: ready}`: every cert-manager Certificate of the phase is Ready, whichever ones the
  /// manifests of the installed version create.
  case certificatesReady
  /// `{condition: {...}}`: an object's status condition has the given status.
  case condition(ConditionWait)
  /// `{endpoints: "ns/service"}`: the Service has at least one ready endpoint.
  case endpoints(namespace: String, service: String)

  /// The keys a `wait:` entry may have.
  public static let kinds = ["crds", "workloads", "webhooks", "certificates", "condition", "endpoints"]

  /// The entry as written in a phase file.
  public var json: JSONValue {
    switch self {
    case .crdsEstablished: ["crds": "established"]
    case .workloadsAvailable: ["workloads": "available"]
    case .webhooksServing: ["webhooks": "serving"]
    case .certificatesReady: ["certificates": "ready"]
    case .condition(let c): ["condition": c.json]
    case .endpoints(let namespace, let service): ["endpoints": .string("\(namespace)/\(service)")]
    }
  }

  public var description: String {
    switch self {
    case .crdsEstablished: "crds established"
    case .workloadsAvailable: "workloads available"
    case .webhooksServing: "webhooks serving"
    case .certificatesReady: "certificates ready"
    case .condition(let c): "\(c.kind) \(c.namespace.map { "\($0)/" } ?? "")\(c.name) \(c.type)=\(c.status)"
    case .endpoints(let namespace, let service): "endpoints \(namespace)/\(service)"
    }
  }
}

/// A status condition to wait for.
public struct ConditionWait: Hashable, Sendable {
  public let apiVersion: String?
  public let kind: String
  public let namespace: String?
  public let name: String
  /// The condition type, `Ready`.
  public let type: String
  /// `True`, `False` or `Unknown`.
  public let status: String

  public init(
    apiVersion: String? = nil, kind: String, namespace: String? = nil, name: String, type: String,
    status: String = "True"
  ) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.namespace = namespace
    self.name = name
    self.type = type
    self.status = status
  }

  var json: JSONValue {
    var object: JSONObject = [:]
    if let apiVersion { object["apiVersion"] = .string(apiVersion) }
    object["kind"] = .string(kind)
    if let namespace { object["namespace"] = .string(namespace) }
    object["name"] = .string(name)
    object["type"] = .string(type)
    object["status"] = .string(status)
    return .object(object)
  }
}

/// An object whose server-side dry-run a webhook must answer, to prove that it serves.
public struct WebhookProbe: Hashable, Sendable {
  /// The webhook's name (`webhooks[].name`, `inferenceservice.kserve-webhook-server.validator`).
  public let webhook: String
  /// A Kubernetes object the webhook intercepts; parameters are substituted when the phase is rendered.
  public let object: JSONValue

  public init(webhook: String, object: JSONValue) {
    self.webhook = webhook
    self.object = object
  }

  var json: JSONValue { ["webhook": .string(webhook), "object": object] }
}
