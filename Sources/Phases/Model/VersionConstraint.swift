public import ServestackCore

/// Which installed versions a component may be upgraded from: one exact version (`v0.15.2`) or a range of
/// space-separated comparisons that must all hold (`>=v1.15.0 <v1.16.1`).
public struct VersionConstraint: Hashable, Sendable, CustomStringConvertible {
  public enum Comparison: String, Sendable, Hashable {
    case equal = "="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
  }

  public let comparisons: [(Comparison, SemanticVersion)]
  public let text: String

  /// #### Errors
  /// ``ValueError`` naming the part that is not a comparison with a version.
  public init(_ text: String) throws(ValueError) {
    let parts = text.split(separator: " ", omittingEmptySubsequences: true)
    guard !parts.isEmpty else {
      throw ValueError(
        kind: "version constraint", value: text, problem: "it is empty; write v0.15.2 or >=v0.15.0 <v0.16.0")
    }
    var comparisons: [(Comparison, SemanticVersion)] = []
    for part in parts {
      var rest = Substring(part)
      var op = Comparison.equal
      for candidate in [Comparison.greaterOrEqual, .lessOrEqual, .greater, .less, .equal]
      where rest.hasPrefix(candidate.rawValue) {
        op = candidate
        rest = rest.dropFirst(candidate.rawValue.count)
        break
      }
      do {
        comparisons.append((op, try SemanticVersion(String(rest))))
      } catch {
        throw ValueError(
          kind: "version constraint", value: text,
          problem: "'\(part)' is not a comparison (=, <, <=, >, >=) with a version such as v1.15.0")
      }
    }
    self.comparisons = comparisons
    self.text = text
  }

  /// Whether `version` satisfies every comparison.
  public func contains(_ version: SemanticVersion) -> Bool {
    comparisons.allSatisfy { op, bound in
      switch op {
      case .equal: version == bound
      case .less: version < bound
      case .lessOrEqual: version <= bound
      case .greater: version > bound
      case .greaterOrEqual: version >= bound
      }
    }
  }

  public var description: String { text }
  public static func == (a: VersionConstraint, b: VersionConstraint) -> Bool { a.text == b.text }
  public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
