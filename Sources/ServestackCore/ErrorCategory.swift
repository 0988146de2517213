import Foundation

/// How an error ends the program. The exit codes are the README's (section "Install"): 1 a check or test failed, 2 bad usage or
/// input, 3 the cluster or registry could not be reached or refused us.
public enum ErrorCategory: Sendable, Equatable {
  /// Bad flags or arguments.
  case usage
  /// Bad input: a malformed file, a corrupt or hostile tarball, a broken kubeconfig.
  case input
  /// The cluster, registry or server could not be reached (DNS, connection, TLS, timeout).
  case unreachable
  /// The cluster or registry answered but refused us (401, 403, a rejected object).
  case refused
  /// An operation ran and failed (a check, a test, a wait that timed out).
  case failed

  public var exitCode: Int32 {
    switch self {
    case .failed: 1
    case .usage, .input: 2
    case .unreachable, .refused: 3
    }
  }
}

/// An error that knows which ``ErrorCategory`` it belongs to; the CLI turns it into an exit code.
public protocol CategorizedError: Error {
  var category: ErrorCategory { get }
}

extension Error {
  /// The category of this error, looking through `cause` chains; `.failed` when nothing says otherwise.
  public var category: ErrorCategory {
    if let categorized = self as? any CategorizedError { return categorized.category }
    return .failed
  }

  /// The message a user sees: `LocalizedError.errorDescription`, else `description`.
  public var userMessage: String {
    if let localized = self as? any LocalizedError, let text = localized.errorDescription { return text }
    return String(describing: self)
  }
}
