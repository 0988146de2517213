import HTTP
public import ServestackCore

/// Options of create, patch and status updates.
public struct WriteOptions: Sendable {
  /// Server-side dry run (`dryRun=All`): validated and admitted, not stored.
  public var dryRun: Bool
  /// nil uses the client's field manager.
  public var fieldManager: String?

  public init(dryRun: Bool = false, fieldManager: String? = nil) {
    self.dryRun = dryRun
    self.fieldManager = fieldManager
  }
}

extension KubeClient {
  /// Creates `object` (POST).
  ///
  /// #### Errors
  /// ``KubeError/Code/alreadyExists``, ``KubeError/Code/invalid`` (with the server's message), and others.
  public func create(_ object: KubeObject, options: WriteOptions = WriteOptions()) async throws(KubeError) -> KubeObject
  {
    let gvk = try object.groupVersionKind()
    let location = try await locate(gvk, namespace: object.namespace, name: nil)
    var body = object
    body.namespace = location.namespace
    let reference = object.name.map { ObjectReference(gvk, namespace: location.namespace, name: $0) }
    var request = APIRequest(
      .post, location.path(), repeats: .write, what: "create \(reference?.description ?? object.displayName)",
      object: reference)
    request.query = writeQuery(options)
    request.body = body.json.serializedBytes()
    request.contentType = "application/json"
    return try self.object(try await transport.send(request), what: request.what)
  }

  /// Applies a JSON merge patch (RFC 7386) to the object.
  public func mergePatch(
    _ reference: ObjectReference, patch: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions()
  ) async throws(KubeError) -> KubeObject {
    let location = try await locate(reference)
    var request = APIRequest(
      .patch, location.path(subresource: subresource), repeats: .write, what: "patch \(reference)", object: reference)
    request.query = writeQuery(options)
    request.body = patch.serializedBytes()
    request.contentType = "application/merge-patch+json"
    return try object(try await transport.send(request), what: request.what)
  }

  /// Replaces the object's status (PUT …/status); `object` must carry the resourceVersion it was read at.
  ///
  /// #### Errors
  /// ``KubeError/Code/conflict`` when the object changed since.
  public func updateStatus(_ object: KubeObject, options: WriteOptions = WriteOptions()) async throws(KubeError)
    -> KubeObject
  {
    try await update(object, subresource: "status", options: options)
  }

  /// Replaces the object, or one of its subresources (`status`, `approval`), with PUT; `object` must carry
  /// the resourceVersion it was read at.
  ///
  /// #### Errors
  /// ``KubeError/Code/conflict`` when the object changed since.
  public func update(
    _ object: KubeObject, subresource: String? = nil, options: WriteOptions = WriteOptions()
  ) async throws(KubeError) -> KubeObject {
    guard let reference = object.reference else {
      throw KubeError(.badRequest, "update \(object.displayName): the object has no kind or name")
    }
    let location = try await locate(reference)
    var body = object
    body.namespace = location.namespace
    let what = subresource.map { "update \($0) of \(reference)" } ?? "update \(reference)"
    var request = APIRequest(
      .put, location.path(subresource: subresource), repeats: .write, what: what, object: reference)
    request.query = writeQuery(options)
    request.body = body.json.serializedBytes()
    request.contentType = "application/json"
    return try self.object(try await transport.send(request), what: request.what)
  }

  /// POSTs `body` to a subresource of an object (`serviceaccounts/x/token`, `pods/x/eviction`) and
  /// returns the answer.
  public func create(
    _ body: JSONValue, subresource: String, of reference: ObjectReference, options: WriteOptions = WriteOptions()
  ) async throws(KubeError) -> JSONValue {
    let location = try await locate(reference)
    var request = APIRequest(
      .post, location.path(subresource: subresource), repeats: .write, what: "create \(subresource) of \(reference)",
      object: reference)
    request.query = writeQuery(options)
    request.body = body.serializedBytes()
    request.contentType = "application/json"
    return try decode(try await transport.send(request), what: request.what)
  }

  func writeQuery(_ options: WriteOptions, force: Bool = false) -> [(String, String)] {
    var query = [("fieldManager", options.fieldManager ?? self.options.fieldManager)]
    if options.dryRun { query.append(("dryRun", "All")) }
    if force { query.append(("force", "true")) }
    return query
  }
}
