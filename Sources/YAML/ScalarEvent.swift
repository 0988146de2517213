internal import CYAML
import ServestackCore

/// Turns libyaml scalar events into values: implicit typing for plain scalars, strings for quoted and block
/// scalars, and the standard tags. Shared by the composer and the locator so that keys read the same.
enum ScalarEvent {
  /// The value of a scalar event, or `nil` when it is a merge key (`<<` in key position).
  ///
  /// Tags: `!!str`, `!!binary` and `!!timestamp` give strings (binary stays base64 text); `!!int`, `!!float`,
  /// `!!bool`, `!!null` convert as PyYAML does and fail on text that is not of that type; the non-specific
  /// `!` and unknown tags are ignored (PyYAML would refuse unknown tags).
  @inline(__always)
  static func value(
    _ event: UnsafeMutablePointer<yaml_event_t>, keyPosition: Bool, file: String?
  ) throws(YAMLError) -> JSONValue? {
    let scalar = event.pointee.data.scalar
    let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
    if scalar.tag == nil {
      guard scalar.style == YAML_PLAIN_SCALAR_STYLE else { return .string(string(bytes)) }
      if keyPosition {
        if ScalarResolver.isMergeKey(bytes) { return nil }
        // A key `y` (a coordinate, a flag name) stays a string; kubectl's `"true"` key is a known trap.
        if ScalarResolver.isSingleLetterBool(bytes) { return .string(string(bytes)) }
      }
      return ScalarResolver.resolvePlain(bytes) ?? .string(string(bytes))
    }
    return try tagged(event, bytes: bytes, keyPosition: keyPosition, file: file)
  }

  /// A string from libyaml's (always valid UTF-8) output, copied once.
  @inline(__always)
  static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
  }

  private static let prefix = "tag:yaml.org,2002:"

  private static func tagged(
    _ event: UnsafeMutablePointer<yaml_event_t>, bytes: UnsafeBufferPointer<UInt8>, keyPosition: Bool,
    file: String?
  ) throws(YAMLError) -> JSONValue? {
    let scalar = event.pointee.data.scalar
    let tag = String(cString: scalar.tag)
    func implicit() -> JSONValue {
      // libyaml sets plain_implicit for untagged plain scalars and, like PyYAML, for the `!` tag.
      if scalar.plain_implicit != 0 || scalar.style == YAML_PLAIN_SCALAR_STYLE {
        return ScalarResolver.resolvePlain(bytes) ?? .string(string(bytes))
      }
      return .string(string(bytes))
    }
    func refuse(_ type: String) -> YAMLError {
      let mark = event.pointee.start_mark
      return YAMLError(
        .constructor,
        "the value '\(string(bytes))' tagged !!\(type) is not a valid \(type); fix the value or drop the tag",
        file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
    guard tag.hasPrefix(prefix) else {
      return implicit()
    }
    switch tag.dropFirst(prefix.count) {
    case "str", "binary", "timestamp":
      return .string(string(bytes))
    case "int":
      guard let value = ScalarResolver.constructInt(bytes) else { throw refuse("int") }
      return value
    case "float":
      guard let value = ScalarResolver.constructFloat(bytes) else { throw refuse("float") }
      return value
    case "bool":
      switch string(bytes).lowercased() {
      case "yes", "true", "on": return .bool(true)
      case "no", "false", "off": return .bool(false)
      default: throw refuse("bool")
      }
    case "null":
      return .null
    case "merge":
      return keyPosition ? nil : .string(string(bytes))
    default:
      return implicit()
    }
  }

  /// The object key Python's `json.dumps` writes for a scalar key: strings as they are, `1`, `true`, `null`,
  /// floats as `repr`. `nil` for sequences and mappings, which cannot be keys.
  static func key(for value: JSONValue) -> String? {
    switch value {
    case .string(let s): s
    case .int(let i): String(i)
    case .bool(let b): b ? "true" : "false"
    case .null: "null"
    case .double(let d): PythonFloat.jsonKey(d)
    case .array, .object: nil
    }
  }
}
