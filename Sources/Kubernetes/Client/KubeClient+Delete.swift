import HTTP
import ServestackCore

/// Options of a delete.
public struct DeleteOptions: Sendable {
  public enum Propagation: String, Sendable {
    /// Dependents are deleted after the object (kubectl's default).
    case background = "Background"
    /// The object stays (with a finalizer) until its dependents are gone.
    case foreground = "Foreground"
    /// Dependents are left behind.
    case orphan = "Orphan"
  }

  public var propagation: Propagation
  public var gracePeriodSeconds: Int?
  public var dryRun: Bool
  /// Wait until the object no longer exists (finalizers done), up to ``timeout``.
  public var waitUntilGone: Bool
  public var timeout: Duration

  public init(
    propagation: Propagation = .background, gracePeriodSeconds: Int? = nil, dryRun: Bool = false,
    waitUntilGone: Bool = false, timeout: Duration = .seconds(120)
  ) {
    self.propagation = propagation
    self.gracePeriodSeconds = gracePeriodSeconds
    self.dryRun = dryRun
    self.waitUntilGone = waitUntilGone
    self.timeout = timeout
  }
}

/// What a delete did.
public enum DeleteOutcome: Sendable, Equatable {
  /// The delete was accepted (and, with `waitUntilGone`, the object is gone).
  case deleted
  /// There was nothing to delete.
  case notFound
}

extension KubeClient {
  /// Deletes the object `reference` points at.
  ///
  /// #### Errors
  /// ``KubeError``; with `waitUntilGone`, ``KubeError/Code/waitTimeout`` naming the finalizers still on it.
  @discardableResult
  public func delete(_ reference: ObjectReference, options: DeleteOptions = DeleteOptions()) async throws(KubeError)
    -> DeleteOutcome
  {
    let location = try await locate(reference)
    let target = location.reference ?? reference
    var request = APIRequest(.delete, location.path(), repeats: .write, what: "delete \(target)", object: target)
    if options.dryRun { request.query.append(("dryRun", "All")) }
    var body: JSONObject = [
      "apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions",
      "propagationPolicy": .string(options.propagation.rawValue),
    ]
    if let grace = options.gracePeriodSeconds { body["gracePeriodSeconds"] = .int(grace) }
    if options.dryRun { body["dryRun"] = ["All"] }
    request.body = JSONValue.object(body).serializedBytes()
    request.contentType = "application/json"
    let response = try await transport.exchange(request)
    if response.status == 404 { return .notFound }
    guard response.isSuccess else {
      throw KubeError.from(response: response, what: request.what, object: target, source: connection.source)
    }
    if options.waitUntilGone && !options.dryRun {
      let result = await Waiter(client: self).wait(for: target, until: .deleted, timeout: options.timeout)
      if let error = result.error { throw error }
    }
    return .deleted
  }
}
