import Foundation
public import ServestackCore

/// Reads YAML streams (libyaml) into JSON values, typed as PyYAML's `safe_load_all` types them.
///
/// - Documents that are empty or `null` (`---` with nothing after it, only comments) are skipped, as
///   kubectl skips them.
/// - Plain scalars follow YAML 1.1 (PyYAML's resolver): `yes`/`no`/`on`/`off`/`true`/`false` in three
///   casings are booleans, `~`/`null`/empty are null, `0x1F`, octal `017`, `0b101`, `1_000` and
///   sexagesimal `1:20` are integers, `1.5`, `6.8523015e+5`, `.inf`, `.nan` are floats.
///   Two differences from PyYAML, both chosen to match Kubernetes tooling: timestamps stay strings, and
///   `y`/`Y`/`n`/`N` are booleans (go-yaml v2, which kubectl uses).
/// - Quoted and block (`|`, `>`) scalars are strings. Tags `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`
///   convert; `!!binary` stays base64 text; other tags are ignored.
/// - Aliases become copies of their anchors; `<<` merges a mapping or a list of mappings (first wins);
///   later duplicate keys replace the value but keep the first position. Anchors may be redefined.
/// - Non-string keys become the strings `json.dumps` would write (`1`, `true`, `null`, `1.5`).
/// - Integers beyond `Int` become the nearest `Double` (Python keeps them exact).
public enum YAMLParser {
  /// Safety limits for untrusted input.
  public struct Options: Sendable {
    /// Most nodes that aliases may expand to in one document (billion-laughs guard).
    public var maximumAliasExpansion: Int
    /// Deepest nesting of sequences and mappings.
    public var maximumDepth: Int

    public init(maximumAliasExpansion: Int = 1_000_000, maximumDepth: Int = 512) {
      self.maximumAliasExpansion = maximumAliasExpansion
      self.maximumDepth = maximumDepth
    }
  }

  /// Every non-empty document of a YAML stream.
  ///
  /// #### Errors
  /// ``YAMLError`` with the 1-based line and column of the first problem; `file` names the source in it.
  public static func parseDocuments(
    _ bytes: some Collection<UInt8>, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> [JSONValue] {
    try withContiguousBytes(bytes) { buffer throws(YAMLError) in
      try compose(buffer, file: file, options: options).map(\.value)
    }
  }

  /// Every non-empty document of a YAML text.
  public static func parseDocuments(
    _ text: String, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> [JSONValue] {
    try parseDocuments(text.utf8, file: file, options: options)
  }

  /// The one non-empty document of a YAML stream; an error when there are none or several.
  public static func parseDocument(
    _ bytes: some Collection<UInt8>, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> JSONValue {
    let documents = try parseDocuments(bytes, file: file, options: options)
    guard documents.count == 1 else {
      throw YAMLError(
        .document,
        "expected exactly one YAML document, found \(documents.count == 0 ? "none" : String(documents.count))",
        file: file)
    }
    return documents[0]
  }

  /// The one non-empty document of a YAML text.
  public static func parseDocument(
    _ text: String, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> JSONValue {
    try parseDocument(text.utf8, file: file, options: options)
  }

  /// Every non-empty document with where it is in the source, for messages such as
  /// "phases/10-x.yaml line 12: field spec.timeout …" (see ``YAMLDocument/location(of:)``).
  public static func parseLocatedDocuments(
    _ bytes: some Collection<UInt8>, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> [YAMLDocument] {
    let source = YAMLSource(bytes: Array(bytes), file: file)
    let composed = try source.bytes.withUnsafeBufferPointer { buffer in
      Result { () throws(YAMLError) in try compose(buffer, file: file, options: options) }
    }.get()
    return composed.map { YAMLDocument(value: $0.value, line: $0.line, index: $0.index, source: source) }
  }

  /// Every non-empty document of a YAML text, with source positions.
  public static func parseLocatedDocuments(
    _ text: String, file: String? = nil, options: Options = Options()
  ) throws(YAMLError) -> [YAMLDocument] {
    try parseLocatedDocuments(text.utf8, file: file, options: options)
  }

  /// Reads and parses a YAML file; errors name it by `path`.
  public static func readDocuments(atPath path: String, options: Options = Options()) throws(YAMLError)
    -> [YAMLDocument]
  {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw YAMLError(
        .io,
        "cannot read the YAML file: \((error as NSError).localizedDescription); check the path and its permissions",
        file: path, cause: error)
    }
    return try parseLocatedDocuments(data, file: path, options: options)
  }

  // MARK: Internals

  static func compose(
    _ buffer: UnsafeBufferPointer<UInt8>, file: String?, options: Options
  ) throws(YAMLError) -> [YAMLComposer.Document] {
    let parser = try LibYAMLParser(input: buffer, file: file)
    var composer = YAMLComposer(parser: parser, options: options)
    var documents: [YAMLComposer.Document] = []
    while let document = try composer.next() {
      if !document.value.isNull { documents.append(document) }
    }
    return documents
  }

  static func withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(YAMLError) -> R
  ) throws(YAMLError) -> R {
    let result =
      bytes.withContiguousStorageIfAvailable { buffer in Result { () throws(YAMLError) in try body(buffer) } }
      ?? Array(bytes).withUnsafeBufferPointer { buffer in Result { () throws(YAMLError) in try body(buffer) } }
    return try result.get()
  }
}
