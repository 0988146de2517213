public import Foundation
public import ServestackCore

/// Something that stops the conformance tests from running at all: a broken test phase file, no ingress, a
/// report that cannot be written. A check that fails is a ``CheckResult``, never a ``ConformanceError``.
public struct ConformanceError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String {
      case invalidPhase, invalidOption, noIngress, cluster, reportIO, invalidReport, image
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// A test phase file whose steps do not follow the schema (docs/test-phases.md).
    public static let invalidPhase = Code(.invalidPhase)
    /// A flag or parameter out of range (`--load-concurrency 0`, an unknown `--only` phase).
    public static let invalidOption = Code(.invalidOption)
    /// No ingress gateway was found and `--ingress` was not given.
    public static let noIngress = Code(.noIngress)
    /// The cluster could not be reached or refused a request the tests cannot do without.
    public static let cluster = Code(.cluster)
    /// A report or result could not be written or read.
    public static let reportIO = Code(.reportIO)
    /// A stored report that is not a servestack conformance report.
    public static let invalidReport = Code(.invalidReport)
    /// The servestack image could not be built.
    public static let image = Code(.image)

    public var description: String { value.rawValue }
  }

  public var code: Code
  public var message: String
  public var cause: (any Error & Sendable)?

  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var category: ErrorCategory {
    switch code {
    case .invalidPhase, .invalidOption, .invalidReport: .input
    case .noIngress: .usage
    case .cluster: cause?.category ?? .unreachable
    case .reportIO, .image: .failed
    default: .failed
    }
  }

  public var errorDescription: String? { message }
  public var description: String { message }
}
