import ServestackCore
import YAML

/// The phase file being read: turns a field path into an error with file, line and column.
struct SchemaContext: Sendable {
  let file: String
  let document: YAMLDocument?

  /// Where `path` is written; for a path that does not exist (a missing field), its nearest parent.
  func mark(of path: FieldPath) -> YAMLMark? {
    guard let document else { return nil }
    var current: FieldPath? = path
    while let candidate = current {
      if let mark = document.location(of: candidate.yamlPath) { return mark }
      current = candidate.parent
    }
    return nil
  }

  func error(_ code: PhaseError.Code, at path: FieldPath, _ message: String) -> PhaseError {
    let mark = mark(of: path)
    return PhaseError(
      code, message, file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
      field: path.components.isEmpty ? nil : path.description)
  }
}

/// A value of a phase file with its path, and typed accessors whose errors point at the field.
struct SchemaNode: Sendable {
  let value: JSONValue
  let path: FieldPath
  let context: SchemaContext

  func fail(_ code: PhaseError.Code, _ message: String) -> PhaseError { context.error(code, at: path, message) }

  func invalid(_ error: ValueError) -> PhaseError { fail(.invalidValue, error.description) }

  func wrongType(expected: String) -> PhaseError {
    // Quote what the file says: the parsed number loses digits (`1.30` is 1.3, a long pin turns into 1e+63).
    let written = value.doubleValue != nil ? context.document?.writtenScalar(at: path.yamlPath) : nil
    var message = "expected \(expected), found \(written.map { "a number (\($0))" } ?? SchemaNode.describe(value))"
    if expected == "a string", value.doubleValue != nil || value.boolValue != nil {
      if let written = written ?? context.document?.writtenScalar(at: path.yamlPath) {
        message += "; quote the value (\"\(written)\") to keep it a string"
      } else {
        message += "; quote the value to keep it a string"
      }
    }
    return fail(.wrongType, message)
  }

  static func describe(_ value: JSONValue) -> String {
    switch value {
    case .null: "nothing (null)"
    case .bool(let b): "a boolean (\(b))"
    case .int(let i): "a number (\(i))"
    case .double(let d): "a number (\(JSONValue.double(d).serialized()))"
    case .string: "a string"
    case .array: "a list"
    case .object: "a mapping"
    }
  }

  func string() throws(PhaseError) -> String {
    guard let text = value.stringValue else { throw wrongType(expected: "a string") }
    return text
  }

  func nonEmptyString() throws(PhaseError) -> String {
    let text = try string()
    guard !text.isEmpty else { throw fail(.invalidValue, "must not be empty") }
    return text
  }

  func object() throws(PhaseError) -> JSONObject {
    guard let object = value.objectValue else { throw wrongType(expected: "a mapping") }
    return object
  }

  func sequence() throws(PhaseError) -> [SchemaNode] {
    guard let items = value.arrayValue else { throw wrongType(expected: "a list") }
    return items.enumerated().map { SchemaNode(value: $1, path: path.appending($0), context: context) }
  }

  func strings() throws(PhaseError) -> [String] {
    var result: [String] = []
    for item in try sequence() { result.append(try item.string()) }
    return result
  }

  /// The node as a mapping whose keys must all be in `allowed`.
  func mapping(allowed: [String]) throws(PhaseError) -> SchemaMapping {
    let object = try object()
    for key in object.keys where !allowed.contains(key) {
      let keyPath = path.appending(key)
      var message = "unknown field '\(key)'"
      if let suggestion = SchemaNode.suggestion(for: key, among: allowed) {
        message += " (did you mean '\(suggestion)'?)"
      }
      message += "; allowed here: \(allowed.joined(separator: ", "))"
      throw context.error(.unknownField, at: keyPath, message)
    }
    return SchemaMapping(node: self, object: object)
  }

  /// The closest allowed key by edit distance, when it is close enough to be a typo.
  static func suggestion(for key: String, among allowed: [String]) -> String? {
    let lowered = key.lowercased()
    var best: (String, Int)?
    for candidate in allowed {
      let distance = editDistance(lowered, candidate.lowercased())
      if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
    }
    guard let (candidate, distance) = best else { return nil }
    return distance <= max(1, min(3, candidate.count / 3)) ? candidate : nil
  }

  /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps
  /// (`nmae` is one edit from `name`).
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
      }
    }
    return d[a.count][b.count]
  }
}

/// A mapping of a phase file whose keys were checked against the schema.
struct SchemaMapping: Sendable {
  let node: SchemaNode
  let object: JSONObject

  func optional(_ key: String) -> SchemaNode? {
    guard let value = object[key], !value.isNull else { return nil }
    return SchemaNode(value: value, path: node.path.appending(key), context: node.context)
  }

  func required(_ key: String) throws(PhaseError) -> SchemaNode {
    guard let child = optional(key) else {
      throw node.context.error(
        .missingField, at: node.path.appending(key),
        "missing required field '\(key)'\(node.path.components.isEmpty ? "" : " in '\(node.path)'")")
    }
    return child
  }

  func has(_ key: String) -> Bool { optional(key) != nil }
}
