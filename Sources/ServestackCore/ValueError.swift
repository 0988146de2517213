/// A value that failed validation: an image reference, a digest, a phase name, a duration.
public struct ValueError: Error, Sendable, Equatable, CategorizedError, CustomStringConvertible {
  /// What the value was meant to be ("digest", "image reference").
  public let kind: String
  public let value: String
  public let problem: String

  public init(kind: String, value: String, problem: String) {
    self.kind = kind
    self.value = value
    self.problem = problem
  }

  public var category: ErrorCategory { .input }
  public var description: String { "invalid \(kind) '\(value)': \(problem)" }
}
