import HTTP
import ServestackCore

/// Options of one server-side apply.
public struct ApplyOptions: Sendable {
  /// Take over fields other managers own (`--force-conflicts`); off unless asked, so that conflicts show.
  public var force: Bool
  /// Server-side dry run: nothing is stored.
  public var dryRun: Bool
  /// nil uses the client's field manager (`servestack`).
  public var fieldManager: String?
  /// Ask for the object's metadata only in the answer (`PartialObjectMetadata`): the apiserver then does
  /// not serialize spec and status, which is a good part of its work per apply.
  public var metadataOnlyResponse: Bool
  /// Set the `servestack.io/applied-digest` annotation, with which a later ``KubeClient/applyMany(_:options:)``
  /// can tell that applying the same configuration again would change nothing (see its `skipUnchanged`).
  public var recordDigest: Bool

  public init(
    force: Bool = false, dryRun: Bool = false, fieldManager: String? = nil, metadataOnlyResponse: Bool = false,
    recordDigest: Bool = true
  ) {
    self.recordDigest = recordDigest
    self.force = force
    self.dryRun = dryRun
    self.fieldManager = fieldManager
    self.metadataOnlyResponse = metadataOnlyResponse
  }
}

/// What one apply returned.
public struct ApplyResponse: Sendable {
  /// The object as the server stored it (or would have, in a dry run); only its metadata (kind
  /// `PartialObjectMetadata`) when ``ApplyOptions/metadataOnlyResponse`` was set.
  public var object: KubeObject
  /// Whether the server created it (201).
  public var created: Bool
}

extension KubeClient {
  /// Server-side applies `object` (PATCH `application/apply-patch+yaml` with a JSON body). A namespaced
  /// object without a namespace goes to the default namespace.
  ///
  /// The object as sent carries its `servestack.io/applied-digest` annotation unless
  /// ``ApplyOptions/recordDigest`` is off.
  ///
  /// #### Errors
  /// ``KubeError``: `invalid`/`badRequest` with the server's message, `conflict` when other managers own
  /// fields and `force` is off (not retried), `unknownKind`, and transport errors after retries.
  public func apply(_ object: KubeObject, options: ApplyOptions = ApplyOptions()) async throws(KubeError)
    -> ApplyResponse
  {
    let gvk = try object.groupVersionKind()
    let location = try await locate(gvk, namespace: object.namespace, name: object.name)
    var body = object
    body.namespace = location.namespace
    let manager = options.fieldManager ?? self.options.fieldManager
    return try await apply(
      options.recordDigest ? AppliedDigest.annotated(body, manager: manager) : body, at: location, options: options)
  }

  func apply(_ object: KubeObject, at location: Location, options: ApplyOptions) async throws(KubeError)
    -> ApplyResponse
  {
    guard let name = location.name, !name.isEmpty else {
      throw KubeError(
        .badRequest, "apply \(object.displayName): server-side apply needs metadata.name (generateName is not enough)")
    }
    let reference = ObjectReference(location.mapping.gvk, namespace: location.namespace, name: name)
    var body = object
    body.namespace = location.namespace
    var request = APIRequest(.patch, location.path(), repeats: .apply, what: "apply \(reference)", object: reference)
    request.query = writeQuery(
      WriteOptions(dryRun: options.dryRun, fieldManager: options.fieldManager), force: options.force)
    request.body = body.json.serializedBytes()
    request.contentType = "application/apply-patch+yaml"
    if options.metadataOnlyResponse { request.accept = metadataAcceptSingle }
    let response = try await transport.send(request)
    return ApplyResponse(object: try self.object(response, what: request.what), created: response.status == 201)
  }
}
