public import Kubernetes
import ServestackCore

/// Reads and writes the install state: the ConfigMap `servestack-state` in the state namespace
/// (`servestack-system`), created with the namespace on the first write.
public struct InstallStateStore: Sendable {
  public static let configMapName = "servestack-state"

  public let client: KubeClient
  public let namespace: String

  public init(client: KubeClient, namespace: String = InstallOptions.defaultStateNamespace) {
    self.client = client
    self.namespace = namespace
  }

  var reference: ObjectReference {
    ObjectReference(GroupVersionKind.configMap, namespace: namespace, name: Self.configMapName)
  }

  /// The stored state; empty when nothing was installed.
  ///
  /// #### Errors
  /// ``PhaseError`` `cluster` (the ConfigMap cannot be read) or `state` (it holds something unreadable).
  public func load() async throws(PhaseError) -> InstallState {
    let object: KubeObject?
    do {
      object = try await client.getIfExists(reference)
    } catch {
      throw PhaseError(
        .cluster, "cannot read the install state (configmap \(namespace)/\(Self.configMapName)): \(error.message)",
        cause: error)
    }
    guard let object else { return InstallState() }
    var data: [String: String] = [:]
    for (key, value) in object["data"]?.objectValue ?? [:] { data[key] = value.stringValue }
    return try InstallState(data: data)
  }

  /// Creates the state namespace (server-side apply; unchanged when it exists).
  ///
  /// #### Errors
  /// ``PhaseError`` `cluster`.
  public func ensureNamespace() async throws(PhaseError) {
    var object = KubeObject(GroupVersionKind.namespace, name: namespace)
    object.labels = ["app.kubernetes.io/managed-by": "servestack"]
    do {
      _ = try await client.apply(object, options: ApplyOptions(force: true, metadataOnlyResponse: true))
    } catch {
      throw PhaseError(.cluster, "cannot create the state namespace \(namespace): \(error.message)", cause: error)
    }
  }

  /// Writes the whole state (server-side apply of the ConfigMap; keys of removed phases disappear).
  ///
  /// #### Errors
  /// ``PhaseError`` `cluster`.
  public func save(_ state: InstallState) async throws(PhaseError) {
    var object = KubeObject(GroupVersionKind.configMap, name: Self.configMapName, namespace: namespace)
    object.labels = ["app.kubernetes.io/managed-by": "servestack"]
    let data = state.data
    object["data"] = .object(JSONObject(uniqueKeysWithValues: data.keys.sorted().map { ($0, .string(data[$0] ?? "")) }))
    do {
      _ = try await client.apply(object, options: ApplyOptions(force: true, metadataOnlyResponse: true))
    } catch {
      throw PhaseError(
        .cluster, "cannot save the install state (configmap \(namespace)/\(Self.configMapName)): \(error.message)",
        cause: error)
    }
  }
}
