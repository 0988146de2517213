/// An API group, version and kind (`apps/v1 Deployment`); the core group is the empty string.
public struct GroupVersionKind: Hashable, Sendable, CustomStringConvertible {
  public let group: String
  public let version: String
  public let kind: String

  /// Makes a value from parts the caller knows to be valid (constants in code).
  public init(group: String, version: String, kind: String) {
    self.group = group
    self.version = version
    self.kind = kind
  }

  /// Parses a manifest's `apiVersion` (`v1`, `apps/v1`, `serving.kserve.io/v1beta1`) and `kind`.
  ///
  /// #### Errors
  /// ``KubeError/Code/badRequest`` naming what is wrong: an empty kind, a kind that is not an identifier,
  /// a version or group that Kubernetes would not accept.
  public init(apiVersion: String, kind: String) throws(KubeError) {
    let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let group: String
    let version: String
    switch parts.count {
    case 1: (group, version) = ("", parts[0])
    case 2: (group, version) = (parts[0], parts[1])
    default: throw KubeError(.badRequest, "apiVersion '\(apiVersion)' is not of the form 'version' or 'group/version'")
    }
    guard Self.isValidVersion(version) else {
      throw KubeError(
        .badRequest,
        "apiVersion '\(apiVersion)': version '\(version)' must be lower-case letters and digits (v1, v1beta1)")
    }
    guard group.isEmpty && parts.count == 1 || Self.isValidGroup(group) else {
      throw KubeError(.badRequest, "apiVersion '\(apiVersion)': group '\(group)' is not a DNS subdomain")
    }
    guard Self.isValidKind(kind) else {
      throw KubeError(
        .badRequest,
        kind.isEmpty
          ? "an object of apiVersion '\(apiVersion)' has no kind"
          : "kind '\(kind)' is not a valid kind (letters and digits, starting with a letter)")
    }
    self.init(group: group, version: version, kind: kind)
  }

  /// `v1` or `group/version`, as written in manifests.
  public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
  public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
  /// The group and kind without version (`Deployment.apps`), as Kubernetes prints them in messages.
  public var groupKind: String { group.isEmpty ? kind : "\(kind).\(group)" }
  public var description: String { "\(apiVersion) \(kind)" }

  static func isValidVersion(_ text: String) -> Bool {
    !text.isEmpty && text.count <= 63 && text.utf8.first.map(isLowerAlpha) == true
      && text.utf8.allSatisfy { isLowerAlpha($0) || isDigit($0) }
  }

  static func isValidGroup(_ text: String) -> Bool {
    guard !text.isEmpty, text.count <= 253 else { return false }
    return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
      guard let first = label.utf8.first, let last = label.utf8.last, label.count <= 63 else { return false }
      return (isLowerAlpha(first) || isDigit(first)) && (isLowerAlpha(last) || isDigit(last))
        && label.utf8.allSatisfy { isLowerAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }
  }

  static func isValidKind(_ text: String) -> Bool {
    guard let first = text.utf8.first, isAlpha(first) else { return false }
    return text.utf8.allSatisfy { isAlpha($0) || isDigit($0) }
  }
}

/// An API group and version (`apps/v1`).
public struct GroupVersion: Hashable, Sendable, CustomStringConvertible {
  public let group: String
  public let version: String
  public init(group: String, version: String) {
    self.group = group
    self.version = version
  }
  /// `/api/v1` for the core group, `/apis/<group>/<version>` otherwise.
  public var path: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }
  public var description: String { group.isEmpty ? version : "\(group)/\(version)" }
}

/// A resource of an API group version (`apps/v1 deployments`): what URLs are made of.
public struct GroupVersionResource: Hashable, Sendable, CustomStringConvertible {
  public let group: String
  public let version: String
  /// The plural resource name (`deployments`), as discovery lists it.
  public let resource: String
  public init(group: String, version: String, resource: String) {
    self.group = group
    self.version = version
    self.resource = resource
  }
  public var groupVersion: GroupVersion { GroupVersion(group: group, version: version) }
  public var description: String { group.isEmpty ? "\(version) \(resource)" : "\(group)/\(version) \(resource)" }
}

/// Which object: its kind, namespace (nil for cluster-scoped kinds, or "not said") and name.
public struct ObjectReference: Hashable, Sendable, CustomStringConvertible {
  public var gvk: GroupVersionKind
  public var namespace: String?
  public var name: String

  public init(_ gvk: GroupVersionKind, namespace: String? = nil, name: String) {
    self.gvk = gvk
    self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
    self.name = name
  }

  /// `deployment kserve/kserve-controller-manager`, `namespace kserve`: the kind in lower case, as kubectl
  /// prints objects.
  public var description: String {
    let kind = gvk.kind.lowercased()
    if let namespace { return "\(kind) \(namespace)/\(name)" }
    return "\(kind) \(name)"
  }
}

private func isLowerAlpha(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
private func isAlpha(_ c: UInt8) -> Bool { isLowerAlpha(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) }
private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
