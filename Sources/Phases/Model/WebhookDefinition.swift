public import ServestackCore

/// One webhook of a Validating/MutatingWebhookConfiguration, as far as the engine needs it: where it is
/// served, what it intercepts and what happens when it cannot be called.
public struct WebhookDefinition: Sendable, Hashable, CustomStringConvertible {
  public struct Service: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var description: String { "\(namespace)/\(name)" }
  }

  /// One entry of `rules`.
  public struct Rule: Sendable, Hashable {
    public var apiGroups: [String]
    public var apiVersions: [String]
    /// `deployments`, `*`, `pods/status`, `*/*`.
    public var resources: [String]
    public var operations: [String]
    /// `Cluster`, `Namespaced` or `*`.
    public var scope: String

    /// Whether a request on `resource` (no subresource) of `group`/`version` with `operation` is intercepted.
    public func matches(group: String, version: String, resource: String, operation: String, namespaced: Bool) -> Bool {
      guard apiGroups.contains("*") || apiGroups.contains(group) else { return false }
      guard apiVersions.contains("*") || apiVersions.contains(version) else { return false }
      guard operations.contains("*") || operations.contains(operation) else { return false }
      guard resources.contains(where: { $0 == "*" || $0 == resource || $0 == "\(resource)/*" || $0 == "*/*" }) else {
        return false
      }
      switch scope {
      case "Cluster": return !namespaced
      case "Namespaced": return namespaced
      default: return true
      }
    }
  }

  /// `ValidatingWebhookConfiguration` or `MutatingWebhookConfiguration`.
  public var configurationKind: String
  public var configuration: String
  public var name: String
  /// nil for a webhook called by URL.
  public var service: Service?
  public var url: String?
  /// `Fail` (the default of admissionregistration/v1) or `Ignore`.
  public var failurePolicy: String
  public var rules: [Rule]
  public var objectSelector: JSONValue?
  public var namespaceSelector: JSONValue?
  /// Whether `clientConfig.caBundle` is set.
  public var hasCABundle: Bool

  public var description: String { "webhook \"\(name)\" (\(configurationKind) \(configuration))" }

  /// The webhooks of a webhook configuration object (none for other kinds).
  public static func webhooks(of object: JSONValue) -> [WebhookDefinition] {
    guard let kind = object["kind"]?.stringValue, KnownKinds.webhookConfigurationKinds.contains(kind),
      let configuration = object[path: ["metadata", "name"]]?.stringValue
    else { return [] }
    return (object["webhooks"]?.arrayValue ?? []).compactMap { hook in
      guard let name = hook["name"]?.stringValue else { return nil }
      let client = hook["clientConfig"] ?? .null
      let service = client["service"].flatMap { svc -> Service? in
        guard let name = svc["name"]?.stringValue else { return nil }
        return Service(namespace: svc["namespace"]?.stringValue ?? "default", name: name)
      }
      let rules = (hook["rules"]?.arrayValue ?? []).map { rule in
        Rule(
          apiGroups: strings(rule["apiGroups"]), apiVersions: strings(rule["apiVersions"]),
          resources: strings(rule["resources"]), operations: strings(rule["operations"]),
          scope: rule["scope"]?.stringValue ?? "*")
      }
      return WebhookDefinition(
        configurationKind: kind, configuration: configuration, name: name, service: service,
        url: client["url"]?.stringValue, failurePolicy: hook["failurePolicy"]?.stringValue ?? "Fail", rules: rules,
        objectSelector: hook["objectSelector"], namespaceSelector: hook["namespaceSelector"],
        hasCABundle: !(client["caBundle"]?.stringValue ?? "").isEmpty)
    }
  }

  /// Whether the webhook intercepts `operation` on an object with `labels` of this resource.
  func intercepts(
    group: String, version: String, resource: String, operation: String, namespaced: Bool, labels: [String: String]
  ) -> Bool {
    guard
      rules.contains(where: {
        $0.matches(group: group, version: version, resource: resource, operation: operation, namespaced: namespaced)
      })
    else { return false }
    return LabelSelector.matches(objectSelector, labels: labels)
  }

  private static func strings(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
}

/// Kubernetes label selectors (`matchLabels`, `matchExpressions`).
enum LabelSelector {
  /// Whether `labels` satisfy `selector`; a missing or empty selector matches everything.
  static func matches(_ selector: JSONValue?, labels: [String: String]) -> Bool {
    guard let selector, selector.objectValue != nil else { return true }
    for (key, value) in selector["matchLabels"]?.objectValue ?? [:] where labels[key] != value.stringValue {
      return false
    }
    for expression in selector["matchExpressions"]?.arrayValue ?? [] {
      guard let key = expression["key"]?.stringValue else { continue }
      let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
      switch expression["operator"]?.stringValue ?? "" {
      case "In": if !values.contains(labels[key] ?? "\u{0}") { return false }
      case "NotIn": if let value = labels[key], values.contains(value) { return false }
      case "Exists": if labels[key] == nil { return false }
      case "DoesNotExist": if labels[key] != nil { return false }
      default: return false
      }
    }
    return true
  }

  /// Labels that satisfy `selector` (for probe objects): matchLabels, `In` → its first value, `Exists` → a value.
  static func satisfyingLabels(_ selector: JSONValue?) -> [String: String] {
    var labels: [String: String] = [:]
    for (key, value) in selector?["matchLabels"]?.objectValue ?? [:] { labels[key] = value.stringValue ?? "" }
    for expression in selector?["matchExpressions"]?.arrayValue ?? [] {
      guard let key = expression["key"]?.stringValue else { continue }
      switch expression["operator"]?.stringValue ?? "" {
      case "In": labels[key] = expression["values"]?[0]?.stringValue ?? ""
      case "Exists": labels[key] = "servestack-probe"
      default: break
      }
    }
    return labels
  }
}
