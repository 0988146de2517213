public import ServestackCore

/// A Kubernetes object of any kind: its JSON, with typed accessors for what every object has.
///
/// It is a plain value; reading a missing field gives nil, and nothing is validated until it is sent
/// (``groupVersionKind()`` says what is wrong with `apiVersion`/`kind`).
public struct KubeObject: Sendable, Hashable, CustomStringConvertible {
  public var json: JSONValue

  public init(_ json: JSONValue) { self.json = json }

  /// A skeleton object with apiVersion, kind and metadata (name, namespace).
  public init(_ gvk: GroupVersionKind, name: String, namespace: String? = nil) {
    var metadata: JSONObject = ["name": .string(name)]
    if let namespace { metadata["namespace"] = .string(namespace) }
    json = .object(["apiVersion": .string(gvk.apiVersion), "kind": .string(gvk.kind), "metadata": .object(metadata)])
  }

  public subscript(key: String) -> JSONValue? {
    get { json[key] }
    set { json[key] = newValue }
  }

  public subscript(path path: String...) -> JSONValue? { json[path: path] }

  public var apiVersion: String? { json["apiVersion"]?.stringValue }
  public var kind: String? { json["kind"]?.stringValue }

  public var metadata: JSONValue? { json["metadata"] }
  public var spec: JSONValue? { json["spec"] }
  public var status: JSONValue? { json["status"] }

  public var name: String? {
    get { json[path: ["metadata", "name"]]?.stringValue }
    set { setMetadata("name", newValue.map(JSONValue.string)) }
  }
  public var namespace: String? {
    get { json[path: ["metadata", "namespace"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
    set { setMetadata("namespace", newValue.map(JSONValue.string)) }
  }
  public var generateName: String? { json[path: ["metadata", "generateName"]]?.stringValue }
  public var uid: String? { json[path: ["metadata", "uid"]]?.stringValue }
  public var resourceVersion: String? {
    get { json[path: ["metadata", "resourceVersion"]]?.stringValue }
    set { setMetadata("resourceVersion", newValue.map(JSONValue.string)) }
  }
  public var generation: Int? { json[path: ["metadata", "generation"]]?.intValue }
  public var deletionTimestamp: String? { json[path: ["metadata", "deletionTimestamp"]]?.stringValue }
  public var creationTimestamp: String? { json[path: ["metadata", "creationTimestamp"]]?.stringValue }

  public var labels: [String: String] {
    get { stringMap(["metadata", "labels"]) }
    set { setMetadata("labels", newValue.isEmpty ? nil : Self.object(newValue)) }
  }
  public var annotations: [String: String] {
    get { stringMap(["metadata", "annotations"]) }
    set { setMetadata("annotations", newValue.isEmpty ? nil : Self.object(newValue)) }
  }

  /// `status.observedGeneration`.
  public var observedGeneration: Int? { json[path: ["status", "observedGeneration"]]?.intValue }

  /// `status.conditions`, as most kinds write them.
  public var conditions: [Condition] {
    (json[path: ["status", "conditions"]]?.arrayValue ?? []).compactMap(Condition.init)
  }

  /// The condition of `type`, if the object reports it.
  public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

  /// The kind and version, validated.
  ///
  /// #### Errors
  /// ``KubeError/Code/badRequest`` when `apiVersion` or `kind` is missing or malformed.
  public func groupVersionKind() throws(KubeError) -> GroupVersionKind {
    guard let apiVersion, !apiVersion.isEmpty else {
      throw KubeError(.badRequest, "\(displayName): the object has no apiVersion")
    }
    return try GroupVersionKind(apiVersion: apiVersion, kind: kind ?? "")
  }

  /// The kind and version, or nil when they are missing or malformed.
  public var gvk: GroupVersionKind? { try? groupVersionKind() }

  /// A reference to this object (nil without a valid kind or a name).
  public var reference: ObjectReference? {
    guard let gvk, let name, !name.isEmpty else { return nil }
    return ObjectReference(gvk, namespace: namespace, name: name)
  }

  /// `kind namespace/name` for messages, as far as the object says.
  public var displayName: String {
    if let reference { return reference.description }
    let kind = (kind ?? "object").lowercased()
    let name = name ?? generateName.map { "\($0)*" } ?? "<no name>"
    return namespace.map { "\(kind) \($0)/\(name)" } ?? "\(kind) \(name)"
  }

  public var description: String { displayName }

  private mutating func setMetadata(_ key: String, _ value: JSONValue?) {
    var metadata = json["metadata"]?.objectValue ?? [:]
    metadata[key] = value
    json["metadata"] = .object(metadata)
    if json.objectValue == nil { json = .object(["metadata": .object(metadata)]) }
  }

  private func stringMap(_ path: [String]) -> [String: String] {
    var map: [String: String] = [:]
    for (key, value) in json[path: path]?.objectValue ?? [:] {
      if let text = value.stringValue { map[key] = text }
    }
    return map
  }

  private static func object(_ map: [String: String]) -> JSONValue {
    .object(
      JSONObject(uniqueKeysWithValues: map.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
  }
}

/// One entry of `status.conditions`.
public struct Condition: Sendable, Hashable {
  public var type: String
  /// `True`, `False` or `Unknown`.
  public var status: String
  public var reason: String?
  public var message: String?
  public var lastTransitionTime: String?

  public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
    self.type = type
    self.status = status
    self.reason = reason
    self.message = message
  }

  init?(_ json: JSONValue) {
    guard let type = json["type"]?.stringValue else { return nil }
    self.type = type
    status = json["status"]?.stringValue ?? "Unknown"
    reason = json["reason"]?.stringValue
    message = json["message"]?.stringValue
    lastTransitionTime = json["lastTransitionTime"]?.stringValue
  }

  public var isTrue: Bool { status == "True" }
}
