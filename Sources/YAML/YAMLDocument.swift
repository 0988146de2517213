public import ServestackCore

/// A 1-based position in a YAML source.
public struct YAMLMark: Sendable, Hashable, CustomStringConvertible {
  public let line: Int
  public let column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public var description: String { "line \(line), column \(column)" }
}

/// One document of a YAML stream with where it came from, so that later checks can point at a field.
public struct YAMLDocument: Sendable {
  /// The document's value.
  public let value: JSONValue
  /// 1-based line where the document starts (its `---`, or its first content).
  public let line: Int
  /// Position of the document in the stream, counting empty documents too.
  public let index: Int
  let source: YAMLSource

  /// The file the document was read from, when known.
  public var file: String? { source.file }

  init(value: JSONValue, line: Int, index: Int, source: YAMLSource) {
    self.value = value
    self.line = line
    self.index = index
    self.source = source
  }

  /// Where the node at a path of mapping keys (sequence indexes as decimal strings) is written: the key's
  /// position for a mapping member, the item's for a sequence element, the document root's for `[]`.
  /// Merged (`<<`) members point into the mapping they came from, aliased ones into their anchor.
  ///
  /// Re-reads the source, so it costs a parse of the stream up to this document; meant for error messages.
  /// `nil` when the path does not exist.
  public func location(of path: [String]) -> YAMLMark? {
    YAMLLocator.locate(path, inDocument: index, of: source)
  }

  /// The scalar at `path` exactly as the source spells it (`1.30` where ``value`` holds the number 1.3), so
  /// that a message can quote what the user wrote. `nil` for a collection or a path that does not exist.
  public func writtenScalar(at path: [String]) -> String? {
    YAMLLocator.writtenScalar(path, inDocument: index, of: source)
  }
}

/// The bytes a located document was parsed from, shared by every document of the stream.
final class YAMLSource: Sendable {
  let bytes: [UInt8]
  let file: String?

  init(bytes: [UInt8], file: String?) {
    self.bytes = bytes
    self.file = file
  }
}
