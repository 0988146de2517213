public import Foundation
public import ServestackCore

/// A registry operation that failed: the registry refused it, could not be reached, or sent something
/// that does not check out. Messages name the registry and repository and say what to do; they never hold
/// credentials or tokens.
public struct RegistryError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String {
      case unauthorized, denied, notFound, unreachable, tls, invalidManifest, digestMismatch, protocolError,
        registryError, fileIO, unsupported, invalidArgument, corruptSource
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// 401: no or wrong credentials.
    public static let unauthorized = Code(.unauthorized)
    /// 403: the credentials do not allow this.
    public static let denied = Code(.denied)
    /// 404: the repository, tag, manifest or blob does not exist.
    public static let notFound = Code(.notFound)
    /// No answer: connection refused, DNS, timeout.
    public static let unreachable = Code(.unreachable)
    /// The TLS handshake failed (unknown CA, wrong name).
    public static let tls = Code(.tls)
    /// A manifest that cannot be read or is of an unsupported type.
    public static let invalidManifest = Code(.invalidManifest)
    /// Content whose SHA-256 differs from the digest that names it.
    public static let digestMismatch = Code(.digestMismatch)
    /// The registry answered in a way the distribution spec does not allow (no Location, a bad status).
    public static let protocolError = Code(.protocolError)
    /// Any other error status with the registry's error codes.
    public static let registryError = Code(.registryError)
    /// A local file (layout, blob, partial download) could not be read or written.
    public static let fileIO = Code(.fileIO)
    /// Something servestack does not do (a schema 1 manifest).
    public static let unsupported = Code(.unsupported)
    /// A bad option or argument.
    public static let invalidArgument = Code(.invalidArgument)
    /// A local blob (a layout's file, a bundle's byte range) whose bytes do not hash to the digest that
    /// names it: its upload was stopped before the last byte, so the registry did not store it.
    public static let corruptSource = Code(.corruptSource)

    public var description: String { value.rawValue }
  }

  /// One entry of the distribution spec's `{"errors": [{code, message, detail}]}` body.
  public struct Detail: Sendable, Hashable {
    /// `UNAUTHORIZED`, `MANIFEST_UNKNOWN`, `BLOB_UPLOAD_INVALID`, `MANIFEST_BLOB_UNKNOWN`, …
    public var code: String
    public var message: String
    /// The `detail` member as compact JSON, when present.
    public var detail: String?

    public init(code: String, message: String, detail: String? = nil) {
      self.code = code
      self.message = message
      self.detail = detail
    }
  }

  public var code: Code
  public var message: String
  /// The HTTP status that caused this error, if one did.
  public var httpStatus: Int?
  /// The registry's own error entries, if it sent any.
  public var details: [Detail]
  public var cause: (any Error & Sendable)?

  public init(
    _ code: Code, _ message: String, httpStatus: Int? = nil, details: [Detail] = [],
    cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.httpStatus = httpStatus
    self.details = details
    self.cause = cause
  }

  /// The registry's error codes, such as `["MANIFEST_UNKNOWN"]`.
  public var registryCodes: [String] { details.map(\.code) }

  public var category: ErrorCategory {
    switch code {
    case .unauthorized, .denied: .refused
    case .unreachable, .tls: .unreachable
    case .invalidManifest, .digestMismatch, .invalidArgument, .unsupported, .corruptSource: .input
    default: .failed
    }
  }

  public var errorDescription: String? { message }
  public var description: String { message }
}

extension RegistryError {
  /// Decodes a `{"errors": [...]}` body; empty for anything else (a plain-text 404 from the router).
  static func decodeDetails(_ body: [UInt8]) -> [Detail] {
    guard !body.isEmpty, let json = try? JSONValue(parsing: body), let errors = json["errors"]?.arrayValue else {
      return []
    }
    return errors.compactMap { entry in
      guard let code = entry["code"]?.stringValue else { return nil }
      let detail = entry["detail"].flatMap { $0.isNull ? nil : $0.serialized() }
      return Detail(code: code, message: entry["message"]?.stringValue ?? "", detail: detail)
    }
  }

  /// The error for an unexpected status of `what` (e.g. "pushing blob sha256:… to 127.0.0.1:5000/demo/app").
  static func status(
    _ status: Int, body: [UInt8], registry: String, repository: String?, what: String
  ) -> RegistryError {
    let details = decodeDetails(body)
    let codes = details.isEmpty ? "" : " (\(details.map(\.code).joined(separator: ", ")))"
    let messages = details.map { entry in
      entry.detail.map { "\(entry.message): \($0)" } ?? entry.message
    }.filter { !$0.isEmpty }
    let said = messages.isEmpty ? "" : "; the registry said: \(messages.joined(separator: "; "))"
    let target = repository.map { "\(registry) refused \(what) for \($0)" } ?? "\(registry) refused \(what)"
    switch status {
    case 401:
      return RegistryError(
        .unauthorized,
        "registry \(registry) refused the credentials for \(repository ?? "the registry")\(codes.isEmpty ? " (UNAUTHORIZED)" : codes). "
          + "Check --registry-user/--password-stdin or ~/.docker/config.json",
        httpStatus: status, details: details)
    case 403:
      return RegistryError(
        .denied,
        "registry \(registry) denied \(what) for \(repository ?? "the registry")\(codes.isEmpty ? " (DENIED)" : codes): "
          + "the credentials work but lack permission; ask the registry's administrator for \(what.hasPrefix("push") ? "push" : "pull") access",
        httpStatus: status, details: details)
    case 404:
      return RegistryError(
        .notFound,
        "\(what) not found in \(registry)/\(repository ?? "")\(codes)\(said). Check the name, tag or digest",
        httpStatus: status, details: details)
    default:
      return RegistryError(
        .registryError, "\(target): HTTP \(status)\(codes)\(said)", httpStatus: status, details: details)
    }
  }
}
