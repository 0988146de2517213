import Foundation
import HTTP
import Logging
public import ServestackCore

/// A client for one cluster: get, list, create, server-side apply, patch, delete and watch of any kind,
/// with discovery-based REST mapping, credential renewal and retries.
///
/// It is cheap to share: every request goes through one HTTP client, so with HTTP/2 (which the apiserver
/// offers) all of them share one TLS connection.
public final class KubeClient: Sendable {
  public let connection: ClusterConnection
  public let options: KubeClientOptions
  /// The client's discovery cache.
  public let mapper: RESTMapper
  let transport: APITransport

  /// Makes a client; nothing is sent until the first request.
  ///
  /// #### Errors
  /// ``KubeError`` when the HTTP client cannot start.
  public init(connection: ClusterConnection, options: KubeClientOptions = KubeClientOptions()) throws(KubeError) {
    self.connection = connection
    self.options = options
    transport = try APITransport(connection: connection, options: options)
    mapper = RESTMapper(transport: transport)
  }

  /// Loads the kubeconfig for `config` and makes a client for it.
  public convenience init(config: KubeConfigOptions, options: KubeClientOptions = KubeClientOptions()) throws(KubeError)
  {
    try self.init(connection: KubeConfigLoader.load(config), options: options)
  }

  /// The namespace for objects of namespaced kinds that name none.
  public var defaultNamespace: String { connection.namespace }

  /// HTTP requests sent so far, retries included (for benchmarks and tests).
  public var requestsSent: Int { transport.requestsSent }

  /// How many times an exec credential plugin ran.
  public var execPluginRuns: Int { get async { await transport.credentials.execRuns } }

  /// Where an object lives: its mapping and the namespace to use (nil for cluster-scoped kinds).
  public struct Location: Sendable, Hashable {
    public var mapping: RESTMapper.Mapping
    public var namespace: String?
    public var name: String?

    /// `/apis/apps/v1/namespaces/ns/deployments/name[/subresource]`.
    public func path(subresource: String? = nil) -> String {
      var path = mapping.resource.groupVersion.path
      if mapping.namespaced, let namespace { path += "/namespaces/\(Self.segment(namespace))" }
      path += "/\(mapping.resource.resource)"
      if let name { path += "/\(Self.segment(name))" }
      if let subresource { path += "/\(subresource)" }
      return path
    }

    public var reference: ObjectReference? {
      name.map { ObjectReference(mapping.gvk, namespace: mapping.namespaced ? namespace : nil, name: $0) }
    }

    static func segment(_ text: String) -> String {
      text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#")))
        ?? text
    }
  }

  /// Resolves `gvk` with discovery, and the namespace as Kubernetes would (the default namespace for a
  /// namespaced kind that names none; none for a cluster-scoped one).
  public func locate(_ gvk: GroupVersionKind, namespace: String?, name: String?) async throws(KubeError) -> Location {
    let mapping = try await mapper.mapping(for: gvk)
    let resolved = mapping.namespaced ? (namespace.flatMap { $0.isEmpty ? nil : $0 } ?? defaultNamespace) : nil
    return Location(mapping: mapping, namespace: resolved, name: name)
  }

  public func locate(_ reference: ObjectReference) async throws(KubeError) -> Location {
    try await locate(reference.gvk, namespace: reference.namespace, name: reference.name)
  }

  /// Sends a raw request to an API path (`/version`, `/readyz`) and returns the JSON answer.
  ///
  /// #### Errors
  /// ``KubeError`` from the server's `Status` or the transport.
  public func getJSON(path: String, query: [(String, String)] = []) async throws(KubeError) -> JSONValue {
    var request = APIRequest(.get, path, repeats: .read, what: "GET \(path)")
    request.query = query
    return try decode(try await transport.send(request), what: request.what)
  }

  func decode(_ response: HTTPResponse, what: String) throws(KubeError) -> JSONValue {
    do {
      return try JSONValue(parsing: response.body)
    } catch {
      throw KubeError(.badResponse, "\(what): the server's answer is not JSON (\(error))")
    }
  }

  func object(_ response: HTTPResponse, what: String) throws(KubeError) -> KubeObject {
    KubeObject(try decode(response, what: what))
  }
}
