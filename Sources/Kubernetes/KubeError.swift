public import Foundation
public import ServestackCore

/// Anything that went wrong talking to a cluster: a broken kubeconfig, a transport failure, or a
/// Kubernetes `Status` answer. The server's own message is kept verbatim in ``message`` (after a short
/// prefix naming the request), because that is what users paste into search engines.
///
/// Categories: transport failures and request timeouts are `.unreachable`; 401, 403, a failing exec
/// credential plugin and admission webhooks that deny or fail are `.refused` (the cluster, or our way into
/// it, said no); an object that fails validation (422 Invalid, 400 BadRequest such as an unknown field
/// under server-side apply, an apiVersion the cluster does not serve) and a broken kubeconfig are `.input`
/// (fix the manifest or the configuration); everything else (not found, conflict, a wait that timed out or
/// failed, a server error) is `.failed`.
public struct KubeError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String {
      case notFound, alreadyExists, conflict, invalid, badRequest, forbidden, unauthorized, tooManyRequests,
        serverError, unreachable, timeout, badConfig, unknownKind, webhook, gone, methodNotAllowed, execPlugin,
        waitTimeout, conditionFailed, badResponse, cancelled, other
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// 404: the object (or the API path) does not exist.
    public static let notFound = Code(.notFound)
    /// 409 AlreadyExists on create.
    public static let alreadyExists = Code(.alreadyExists)
    /// 409 Conflict: a stale resourceVersion, or server-side apply field-manager conflicts.
    public static let conflict = Code(.conflict)
    /// 422 Invalid: the object failed validation; ``KubeError/causes`` names the fields.
    public static let invalid = Code(.invalid)
    /// 400 BadRequest (malformed patch, unknown field under server-side apply).
    public static let badRequest = Code(.badRequest)
    /// 403: authenticated but not allowed.
    public static let forbidden = Code(.forbidden)
    /// 401: the credentials were not accepted.
    public static let unauthorized = Code(.unauthorized)
    /// 429 after the retries ran out.
    public static let tooManyRequests = Code(.tooManyRequests)
    /// 5xx after any retries.
    public static let serverError = Code(.serverError)
    /// The apiserver could not be reached (connection, DNS, TLS, proxy).
    public static let unreachable = Code(.unreachable)
    /// A request's time limit expired (server 504 Timeout or our own per-request limit).
    public static let timeout = Code(.timeout)
    /// The kubeconfig or in-cluster configuration is unusable.
    public static let badConfig = Code(.badConfig)
    /// The cluster does not serve this apiVersion/kind (discovery has no such kind).
    public static let unknownKind = Code(.unknownKind)
    /// An admission webhook failed or denied the request.
    public static let webhook = Code(.webhook)
    /// 410 Gone: a watch or list resourceVersion is too old.
    public static let gone = Code(.gone)
    /// 405: the resource does not support the verb.
    public static let methodNotAllowed = Code(.methodNotAllowed)
    /// An exec credential plugin failed, is missing, or printed something unusable.
    public static let execPlugin = Code(.execPlugin)
    /// A wait's deadline passed before its condition held.
    public static let waitTimeout = Code(.waitTimeout)
    /// A waited-for object reached a state it will not leave by itself (a failed Job).
    public static let conditionFailed = Code(.conditionFailed)
    /// The server answered with something that is not what the API promises.
    public static let badResponse = Code(.badResponse)
    /// The calling task was cancelled.
    public static let cancelled = Code(.cancelled)
    public static let other = Code(.other)

    public var description: String { value.rawValue }
  }

  /// One entry of a `Status`'s `details.causes`: which field, and what is wrong with it.
  public struct Cause: Sendable, Equatable {
    public var reason: String?
    public var message: String?
    public var field: String?
    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
      self.reason = reason
      self.message = message
      self.field = field
    }
  }

  public var code: Code
  /// What happened, to what, and (where we know) what to do; contains the server's message verbatim.
  public var message: String
  /// The HTTP status of the answer, when there was one.
  public var httpStatus: Int?
  /// The `Status.reason` (`NotFound`, `Invalid`, `AlreadyExists`, …), when the server sent one.
  public var reason: String?
  /// The server's `Status.message`, exactly as sent.
  public var serverMessage: String?
  /// `Status.details.causes`.
  public var causes: [Cause]
  /// The object the request was about, when there was one.
  public var object: ObjectReference?
  /// The `Retry-After` the server asked for, in seconds.
  public var retryAfterSeconds: Int?
  public var cause: (any Error & Sendable)?

  public init(
    _ code: Code, _ message: String, httpStatus: Int? = nil, reason: String? = nil, serverMessage: String? = nil,
    causes: [Cause] = [], object: ObjectReference? = nil, cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.httpStatus = httpStatus
    self.reason = reason
    self.serverMessage = serverMessage
    self.causes = causes
    self.object = object
    self.cause = cause
  }

  public var category: ErrorCategory {
    switch code {
    case .unreachable, .timeout: .unreachable
    case .unauthorized, .forbidden, .webhook, .execPlugin: .refused
    case .badConfig, .invalid, .badRequest, .unknownKind: .input
    default: .failed
    }
  }

  public var errorDescription: String? { message }
  public var description: String { message }

  /// Whether this is a 404 (object or API path absent).
  public var isNotFound: Bool { code == .notFound }
}

extension KubeError {
  static func badConfig(_ message: String, cause: (any Error & Sendable)? = nil) -> KubeError {
    KubeError(.badConfig, message, cause: cause)
  }

  /// The same error with the object it concerns recorded (and named in the message if it is not yet).
  func about(_ reference: ObjectReference?) -> KubeError {
    guard let reference, object == nil else { return self }
    var copy = self
    copy.object = reference
    return copy
  }
}
