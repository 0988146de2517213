public import Foundation
public import ServestackCore

/// A YAML text that could not be read, parsed or turned into values, or values that could not be emitted.
///
/// `line` and `column` are 1-based and point at the problem (libyaml's problem mark); they are 0 when the
/// error has no position (an unreadable file, an emitter failure).
public struct YAMLError: Error, LocalizedError, CategorizedError, CustomStringConvertible, Sendable {
  /// What kind of problem it was.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String, Hashable, Sendable {
      case reader, scanner, parser, composer, alias, constructor, limit, document, io, emitter, memory
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The bytes are not valid UTF-8/UTF-16 or contain characters YAML forbids.
    public static let reader = Code(.reader)
    /// A token could not be read (an unclosed quote, a tab used as indentation).
    public static let scanner = Code(.scanner)
    /// The tokens do not form valid YAML (bad indentation, a missing `:`).
    public static let parser = Code(.parser)
    /// The nodes cannot become JSON values (a list used as a mapping key, a bad merge).
    public static let composer = Code(.composer)
    /// An alias names an anchor that is not (yet) defined.
    public static let alias = Code(.alias)
    /// A tagged scalar does not hold a value of its tag (`!!int abc`).
    public static let constructor = Code(.constructor)
    /// A safety limit was hit (alias expansion, nesting depth).
    public static let limit = Code(.limit)
    /// The stream does not have the number of documents asked for.
    public static let document = Code(.document)
    /// The file could not be read.
    public static let io = Code(.io)
    /// libyaml refused to emit the values.
    public static let emitter = Code(.emitter)
    /// libyaml ran out of memory.
    public static let memory = Code(.memory)

    public var description: String { kind.rawValue }
  }

  public let code: Code
  /// What went wrong, without the position.
  public let message: String
  /// The file the YAML came from, when known.
  public let file: String?
  /// 1-based line and column of the problem; 0 when unknown.
  public let line: Int
  public let column: Int
  public let cause: (any Error & Sendable)?

  public init(
    _ code: Code, _ message: String, file: String? = nil, line: Int = 0, column: Int = 0,
    cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.file = file
    self.line = line
    self.column = column
    self.cause = cause
  }

  public var category: ErrorCategory { .input }

  /// `file:line:column: message`, leaving out the parts that are unknown.
  public var description: String {
    var prefix = file ?? (line > 0 ? "<yaml>" : "")
    if line > 0 {
      prefix += ":\(line)"
      if column > 0 { prefix += ":\(column)" }
    }
    return prefix.isEmpty ? message : "\(prefix): \(message)"
  }

  public var errorDescription: String? { description }
}
