public import ServestackCore

/// A change a phase makes to its objects before they are applied.
public struct PhasePatch: Hashable, Sendable {
  public enum Operation: Hashable, Sendable {
    /// An RFC 7386 JSON merge patch on the whole object.
    case merge(JSONValue)
    /// An RFC 7386 merge into the JSON text held by a ConfigMap's `data[key]` (KServe's
    /// `inferenceservice-config`).
    case mergeJSON(key: String, merge: JSONValue)
  }

  public let target: PatchTarget
  public let operation: Operation
  /// Only for these profiles; nil for all.
  public let profiles: Set<Profile>?
  public let source: FileLocation

  public init(target: PatchTarget, operation: Operation, profiles: Set<Profile>? = nil, source: FileLocation) {
    self.target = target
    self.operation = operation
    self.profiles = profiles
    self.source = source
  }

  public func applies(to profile: Profile) -> Bool { profiles?.contains(profile) ?? true }
}

/// Which object(s) a patch changes. Omitted `apiVersion` and `namespace` match any.
public struct PatchTarget: Hashable, Sendable, CustomStringConvertible {
  public let apiVersion: String?
  public let kind: String
  public let namespace: String?
  public let name: String

  public init(apiVersion: String? = nil, kind: String, namespace: String? = nil, name: String) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.namespace = namespace
    self.name = name
  }

  public func matches(_ object: JSONValue) -> Bool {
    guard object["kind"]?.stringValue == kind, object[path: ["metadata", "name"]]?.stringValue == name else {
      return false
    }
    if let apiVersion, object["apiVersion"]?.stringValue != apiVersion { return false }
    if let namespace, (object[path: ["metadata", "namespace"]]?.stringValue ?? "") != namespace { return false }
    return true
  }

  /// `ConfigMap knative-serving/config-network`.
  public var description: String {
    let qualified = namespace.map { "\($0)/\(name)" } ?? name
    return apiVersion.map { "\(kind).\($0) \(qualified)" } ?? "\(kind) \(qualified)"
  }

  var json: JSONValue {
    var object: JSONObject = [:]
    if let apiVersion { object["apiVersion"] = .string(apiVersion) }
    object["kind"] = .string(kind)
    if let namespace { object["namespace"] = .string(namespace) }
    object["name"] = .string(name)
    return .object(object)
  }
}
