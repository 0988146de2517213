import ServestackCore

extension KubeClient {
  /// The live `status.storedVersions` of each named CRD that exists (missing CRDs are left out), to pass to
  /// ``CRDVersionChanges/between(old:new:storedVersions:)``.
  ///
  /// #### Errors
  /// ``KubeError`` other than not found (403, unreachable, …).
  public func crdStoredVersions(_ names: [String]) async throws(KubeError) -> [String: [String]] {
    let kind = GroupVersionKind(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
    var stored: [String: [String]] = [:]
    for name in Set(names).sorted() {
      guard let crd = try await getIfExists(ObjectReference(kind, name: name)) else { continue }
      stored[name] = crd[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
    return stored
  }
}
