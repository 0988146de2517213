public import ServestackCore

/// A path into a JSON document as test phases write it: `predictions`, `outputs[0].data`, `a.b[2].c`.
/// A key with dots or brackets is written in brackets and quotes: `["model.name"]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
  public enum Component: Sendable, Hashable {
    case key(String)
    case index(Int)
  }

  public let components: [Component]
  public let text: String

  /// Parses `text`.
  ///
  /// #### Errors
  /// ``ValueError`` for an empty path, an unclosed bracket or an index that is not a number.
  public init(_ text: String) throws(ValueError) {
    self.text = text
    var components: [Component] = []
    var key = ""
    var characters = Array(text)[...]
    func fail(_ problem: String) -> ValueError { ValueError(kind: "JSON path", value: text, problem: problem) }
    while let character = characters.popFirst() {
      switch character {
      case ".":
        guard !key.isEmpty || components.last.map({ if case .index = $0 { true } else { false } }) == true else {
          throw fail("empty key before '.'")
        }
        if !key.isEmpty { components.append(.key(key)) }
        key = ""
      case "[":
        if !key.isEmpty { components.append(.key(key)) }
        key = ""
        guard let close = characters.firstIndex(of: "]") else { throw fail("'[' without ']'") }
        let inside = String(characters[characters.startIndex..<close])
        characters = characters[(close + 1)...]
        if inside.count >= 2, let first = inside.first, first == "\"" || first == "'", inside.last == first {
          components.append(.key(String(inside.dropFirst().dropLast())))
        } else if let index = Int(inside), index >= 0 {
          components.append(.index(index))
        } else {
          throw fail("'[\(inside)]' is neither an index nor a quoted key")
        }
      default:
        key.append(character)
      }
    }
    if !key.isEmpty { components.append(.key(key)) }
    guard !components.isEmpty else { throw fail("empty path") }
    self.components = components
  }

  public var description: String { text }

  /// The value at this path in `document`; nil when a key or index is missing or a step meets the wrong type.
  public func value(in document: JSONValue) -> JSONValue? {
    var current = document
    for component in components {
      switch component {
      case .key(let key):
        guard let next = current[key] else { return nil }
        current = next
      case .index(let index):
        guard let next = current[index] else { return nil }
        current = next
      }
    }
    return current
  }

  /// The longest prefix of the path that exists in `document`, for "outputs[0] has no member data".
  public func deepestExisting(in document: JSONValue) -> String {
    var current = document
    var text = "$"
    for component in components {
      switch component {
      case .key(let key):
        guard let next = current[key] else { return text }
        current = next
        text += ".\(key)"
      case .index(let index):
        guard let next = current[index] else { return text }
        current = next
        text += "[\(index)]"
      }
    }
    return text
  }
}
