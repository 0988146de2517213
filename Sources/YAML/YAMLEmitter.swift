internal import CYAML
public import ServestackCore

/// Writes JSON values as block-style YAML (libyaml) that ``YAMLParser`` — and PyYAML, kubectl — read back
/// as the same values.
///
/// Strings that a YAML 1.1 or 1.2 reader would take for something else (`"true"`, `"1"`, `"null"`, `""`,
/// `"y"`, `"1e3"`, `"2024-01-02"`, `"<<"`) are double-quoted; strings with line breaks are literal blocks
/// (`|`) where YAML allows it; libyaml quotes whatever cannot be plain (leading spaces, `: `, ` #`, …).
public enum YAMLEmitter {
  /// A stream of documents, separated by `---`.
  public static func emit(_ documents: [JSONValue]) throws(YAMLError) -> String {
    let emitter = try LibYAMLEmitter()
    try emitter.streamStart()
    for (i, document) in documents.enumerated() {
      try emitter.documentStart(implicit: i == 0)
      try emitNode(document, to: emitter)
      try emitter.documentEnd()
    }
    try emitter.streamEnd()
    return String(decoding: emitter.output, as: UTF8.self)
  }

  /// One document.
  public static func emit(_ document: JSONValue) throws(YAMLError) -> String {
    try emit([document])
  }

  private static func emitNode(_ value: JSONValue, to emitter: LibYAMLEmitter) throws(YAMLError) {
    switch value {
    case .null: try emitter.scalar("null", style: YAML_PLAIN_SCALAR_STYLE)
    case .bool(let b): try emitter.scalar(b ? "true" : "false", style: YAML_PLAIN_SCALAR_STYLE)
    case .int(let i): try emitter.scalar(String(i), style: YAML_PLAIN_SCALAR_STYLE)
    case .double(let d): try emitter.scalar(PythonFloat.yaml(d), style: YAML_PLAIN_SCALAR_STYLE)
    case .string(let s): try emitString(s, to: emitter)
    case .array(let items):
      try emitter.sequenceStart()
      for item in items { try emitNode(item, to: emitter) }
      try emitter.sequenceEnd()
    case .object(let members):
      try emitter.mappingStart()
      for (key, member) in members {
        try emitString(key, to: emitter)
        try emitNode(member, to: emitter)
      }
      try emitter.mappingEnd()
    }
  }

  private static func emitString(_ s: String, to emitter: LibYAMLEmitter) throws(YAMLError) {
    let style: yaml_scalar_style_t
    if s.utf8.contains(0x0A) {
      style = YAML_LITERAL_SCALAR_STYLE
    } else if needsQuotes(s) {
      style = YAML_DOUBLE_QUOTED_SCALAR_STYLE
    } else {
      style = YAML_PLAIN_SCALAR_STYLE
    }
    try emitter.scalar(s, style: style)
  }

  /// Whether the plain spelling of `s` would read back as something other than this string, here or in
  /// another common YAML reader.
  static func needsQuotes(_ s: String) -> Bool {
    var s = s
    return s.withUTF8 { bytes in
      guard let first = bytes.first else { return true }
      if ScalarResolver.resolvePlain(bytes) != nil || ScalarResolver.isMergeKey(bytes) { return true }
      // PyYAML's value tag (`=`); YAML 1.1 timestamps (`2024-01-02…`), which PyYAML reads as dates.
      if bytes.count == 1 && first == UInt8(ascii: "=") { return true }
      if bytes.count >= 8, bytes.prefix(4).allSatisfy(ScalarResolver.isDigit), bytes[4] == UInt8(ascii: "-") {
        return true
      }
      // YAML 1.2 numbers that 1.1 leaves as strings (`1e3`, `0o17`), for go-yaml v3 and other 1.2 readers.
      if ScalarResolver.isDigit(first) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        || first == UInt8(ascii: ".")
      {
        if Double(String(decoding: bytes, as: UTF8.self)) != nil { return true }
        if bytes.count > 2, first == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "o") { return true }
      }
      return false
    }
  }
}
