extension JSONValue {
  /// Options for ``serialized(_:)``.
  public struct SerializationOptions: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Two-space indentation and one member per line.
    public static let pretty = SerializationOptions(rawValue: 1)
    /// Object keys in byte order instead of insertion order.
    public static let sortedKeys = SerializationOptions(rawValue: 2)
  }

  /// The value as JSON text (RFC 8259), UTF-8, with no trailing newline.
  public func serialized(_ options: SerializationOptions = []) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(to: &out, options: options, indent: 0)
    return String(decoding: out, as: UTF8.self)
  }

  /// The value as JSON bytes.
  public func serializedBytes(_ options: SerializationOptions = []) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(to: &out, options: options, indent: 0)
    return out
  }

  private func write(to out: inout [UInt8], options: SerializationOptions, indent: Int) {
    let pretty = options.contains(.pretty)
    switch self {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .double(let d): out.append(contentsOf: JSONValue.format(d).utf8)
    case .string(let s): JSONValue.writeString(s, to: &out)
    case .array(let a):
      if a.isEmpty {
        out.append(contentsOf: "[]".utf8)
        return
      }
      out.append(UInt8(ascii: "["))
      for (i, element) in a.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        if pretty { newline(&out, indent + 1) }
        element.write(to: &out, options: options, indent: indent + 1)
      }
      if pretty { newline(&out, indent) }
      out.append(UInt8(ascii: "]"))
    case .object(let o):
      if o.isEmpty {
        out.append(contentsOf: "{}".utf8)
        return
      }
      out.append(UInt8(ascii: "{"))
      let keys = options.contains(.sortedKeys) ? o.keys.sorted() : Array(o.keys)
      for (i, key) in keys.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        if pretty { newline(&out, indent + 1) }
        JSONValue.writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        if pretty { out.append(UInt8(ascii: " ")) }
        o[key]!.write(to: &out, options: options, indent: indent + 1)
      }
      if pretty { newline(&out, indent) }
      out.append(UInt8(ascii: "}"))
    }
  }

  private func newline(_ out: inout [UInt8], _ indent: Int) {
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
  }

  /// Shortest round-tripping form; integral values keep a `.0` so they read back as doubles.
  /// Non-finite values have no JSON form and are written as `null`.
  static func format(_ d: Double) -> String {
    guard d.isFinite else { return "null" }
    var text = "\(d)"
    if !text.contains(".") && !text.contains("e") && !text.contains("E") { text += ".0" }
    return text
  }

  static func writeString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in s.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
      case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
      case 0x0A: out.append(contentsOf: "\\n".utf8)
      case 0x0D: out.append(contentsOf: "\\r".utf8)
      case 0x09: out.append(contentsOf: "\\t".utf8)
      case 0x08: out.append(contentsOf: "\\b".utf8)
      case 0x0C: out.append(contentsOf: "\\f".utf8)
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out.append(contentsOf: "\\u00".utf8)
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0xF)])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
