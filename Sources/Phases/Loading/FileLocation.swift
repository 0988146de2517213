import YAML

/// Where something was written in a phase file, for errors raised after loading (a patch that matches
/// nothing, a manifest whose hash differs from its pin).
public struct FileLocation: Hashable, Sendable, CustomStringConvertible {
  public let file: String
  public let line: Int
  public let column: Int
  /// The field's path, `patches[1]`.
  public let field: String

  public init(file: String, line: Int, column: Int, field: String) {
    self.file = file
    self.line = line
    self.column = column
    self.field = field
  }

  public var description: String { line > 0 ? "\(file):\(line):\(column) (\(field))" : "\(file) (\(field))" }

  func error(_ code: PhaseError.Code, _ message: String, cause: (any Error & Sendable)? = nil) -> PhaseError {
    PhaseError(code, message, file: file, line: line, column: column, field: field, cause: cause)
  }
}

extension SchemaNode {
  var location: FileLocation {
    let mark = context.mark(of: path)
    return FileLocation(file: context.file, line: mark?.line ?? 0, column: mark?.column ?? 0, field: path.description)
  }
}
