internal import CYAML
import ServestackCore

/// Builds `JSONValue` documents from libyaml events with an explicit stack (no recursion), resolving
/// aliases to copies of their anchored values and merge keys the way PyYAML's SafeLoader does.
struct YAMLComposer {
  /// One document of the stream, `null` ones included.
  struct Document {
    var value: JSONValue
    /// 1-based line where the document starts (its `---`, or its first content).
    var line: Int
    /// Position in the stream, counting every document.
    var index: Int
  }

  /// An open sequence or mapping. Its items (and keys) wait on the composer's shared `values` (and `keys`)
  /// stacks from `valueStart` (and `keyStart`) on, so that each finished container is allocated once, at
  /// its final size, instead of growing member by member.
  private struct Frame {
    var isMapping: Bool
    var hasKey = false
    var keyIsMerge = false
    /// Nodes in this subtree so far, itself included, aliases counted as what they expand to.
    var nodes = 1
    var valueStart: Int
    var keyStart: Int
    var line: Int
    var column: Int
    /// Mappings merged in with `<<`, lowest priority first.
    var merges: [JSONObject] = []
    var anchor: String?
  }

  private struct Anchored {
    var value: JSONValue
    var nodes: Int
  }

  private let parser: LibYAMLParser
  private let options: YAMLParser.Options
  private var stack: [Frame] = []
  private var values: [JSONValue] = []
  private var keys: [String] = []
  private var anchors: [String: Anchored] = [:]
  private var aliasNodes = 0
  private var root: JSONValue = .null
  private var documentIndex = -1
  private var documentLine = 1

  init(parser: LibYAMLParser, options: YAMLParser.Options) {
    self.parser = parser
    self.options = options
    stack.reserveCapacity(32)
    values.reserveCapacity(256)
    keys.reserveCapacity(256)
  }

  /// The next document, or `nil` at the end of the stream.
  mutating func next() throws(YAMLError) -> Document? {
    let event = parser.event
    while true {
      try parser.next()
      switch event.pointee.type {
      case YAML_SCALAR_EVENT:
        try scalar(event)
      case YAML_MAPPING_START_EVENT:
        try open(mapping: true, anchor: event.pointee.data.mapping_start.anchor, mark: event.pointee.start_mark)
      case YAML_SEQUENCE_START_EVENT:
        try open(mapping: false, anchor: event.pointee.data.sequence_start.anchor, mark: event.pointee.start_mark)
      case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
        try close()
      case YAML_ALIAS_EVENT:
        try alias(event)
      case YAML_DOCUMENT_START_EVENT:
        documentIndex += 1
        documentLine = Int(event.pointee.start_mark.line) + 1
        anchors.removeAll(keepingCapacity: true)
        aliasNodes = 0
        root = .null
      case YAML_DOCUMENT_END_EVENT:
        return Document(value: root, line: documentLine, index: documentIndex)
      case YAML_STREAM_END_EVENT:
        return nil
      default:
        continue
      }
    }
  }

  // MARK: Events

  @inline(__always)
  private mutating func scalar(_ event: UnsafeMutablePointer<yaml_event_t>) throws(YAMLError) {
    let top = stack.count - 1
    let keyPosition = top >= 0 && stack[top].isMapping && !stack[top].hasKey
    guard let value = try ScalarEvent.value(event, keyPosition: keyPosition, file: parser.file) else {
      stack[top].hasKey = true
      stack[top].keyIsMerge = true
      stack[top].nodes += 1
      return
    }
    if let anchor = event.pointee.data.scalar.anchor {
      anchors[String(cString: anchor)] = Anchored(value: value, nodes: 1)
    }
    try deliver(value, nodes: 1, mark: event.pointee.start_mark)
  }

  private mutating func open(mapping: Bool, anchor: UnsafeMutablePointer<UInt8>?, mark: yaml_mark_t) throws(YAMLError) {
    guard stack.count < options.maximumDepth else {
      throw error(.limit, "the YAML nests deeper than \(options.maximumDepth) levels; flatten it", at: mark)
    }
    stack.append(
      Frame(
        isMapping: mapping, valueStart: values.count, keyStart: keys.count, line: Int(mark.line) + 1,
        column: Int(mark.column) + 1, anchor: anchor.map { String(cString: $0) }))
  }

  private mutating func close() throws(YAMLError) {
    guard let frame = stack.popLast() else { return }
    let count = values.count - frame.valueStart
    let value: JSONValue
    if !frame.isMapping {
      value = .array(Array(values[frame.valueStart...]))
    } else {
      // PyYAML's flatten_mapping: merged pairs first (in order), then the mapping's own; the last value of a
      // key wins and its first position stays.
      var object = JSONObject(minimumCapacity: count + (frame.merges.isEmpty ? 0 : 8))
      for source in frame.merges {
        for (key, member) in source { object[key] = member }
      }
      for i in 0..<count { object[keys[frame.keyStart + i]] = values[frame.valueStart + i] }
      keys.removeLast(count)
      value = .object(object)
    }
    values.removeLast(count)
    if let anchor = frame.anchor { anchors[anchor] = Anchored(value: value, nodes: frame.nodes) }
    var mark = yaml_mark_t()
    mark.line = frame.line - 1
    mark.column = frame.column - 1
    try deliver(value, nodes: frame.nodes, mark: mark)
  }

  private mutating func alias(_ event: UnsafeMutablePointer<yaml_event_t>) throws(YAMLError) {
    let mark = event.pointee.start_mark
    let name = String(cString: event.pointee.data.alias.anchor)
    guard let anchored = anchors[name] else {
      if stack.contains(where: { $0.anchor == name }) {
        throw error(
          .alias, "the alias *\(name) refers to a node that contains it; recursive aliases cannot become JSON", at: mark
        )
      }
      throw error(.alias, "found undefined alias *\(name); define the anchor &\(name) before using it", at: mark)
    }
    aliasNodes += anchored.nodes
    guard aliasNodes <= options.maximumAliasExpansion else {
      throw error(
        .limit,
        "aliases expand to more than \(options.maximumAliasExpansion) nodes (a billion-laughs document?); refusing to expand them",
        at: mark)
    }
    try deliver(anchored.value, nodes: anchored.nodes, mark: mark)
  }

  // MARK: Building

  /// Adds a finished node to the open container (or makes it the document root).
  @inline(__always)
  private mutating func deliver(_ value: JSONValue, nodes: Int, mark: yaml_mark_t) throws(YAMLError) {
    let top = stack.count - 1
    guard top >= 0 else {
      root = value
      return
    }
    stack[top].nodes += nodes
    guard stack[top].isMapping else {
      values.append(value)
      return
    }
    if !stack[top].hasKey {
      guard let key = ScalarEvent.key(for: value) else {
        throw error(.composer, "a sequence or mapping cannot be a mapping key in JSON; use a scalar key", at: mark)
      }
      keys.append(key)
      stack[top].hasKey = true
      return
    }
    stack[top].hasKey = false
    if stack[top].keyIsMerge {
      stack[top].keyIsMerge = false
      try merge(value, into: top, mark: mark)
    } else {
      values.append(value)
    }
  }

  /// The value of a `<<` key: a mapping, or a sequence of mappings of which the first has priority.
  private mutating func merge(_ value: JSONValue, into top: Int, mark: yaml_mark_t) throws(YAMLError) {
    switch value {
    case .object(let source):
      stack[top].merges.append(source)
    case .array(let sources):
      for source in sources.reversed() {
        guard case .object(let object) = source else {
          throw error(.composer, "a merge key (<<) list may only hold mappings; found \(kind(of: source))", at: mark)
        }
        stack[top].merges.append(object)
      }
    default:
      throw error(
        .composer, "a merge key (<<) needs a mapping or a list of mappings; found \(kind(of: value))", at: mark)
    }
  }

  private func kind(of value: JSONValue) -> String {
    switch value {
    case .array: "a sequence"
    case .object: "a mapping"
    default: "a scalar"
    }
  }

  private func error(_ code: YAMLError.Code, _ message: String, at mark: yaml_mark_t) -> YAMLError {
    YAMLError(code, message, file: parser.file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }
}
