internal import CYAML
import ServestackCore

/// Finds where a path of keys is written in one document, by parsing it again into a tree of positions.
/// Only error messages use it, so it favours simplicity over speed.
enum YAMLLocator {
  private final class Node {
    enum Kind { case scalar, sequence, mapping }
    struct Member {
      let key: String?
      let mark: YAMLMark
      let value: Node
    }
    let kind: Kind
    let mark: YAMLMark
    /// A scalar's value as a key would spell it.
    var text: String?
    /// A scalar's characters as written, before YAML resolves them to a number or boolean.
    var written: String?
    var items: [Node] = []
    var members: [Member] = []
    /// Mappings merged in with `<<`, lowest priority first.
    var merges: [Node] = []
    /// The key waiting for its value: its name (nil for a non-scalar key), position, and whether it is `<<`.
    var pending: (key: String?, mark: YAMLMark, merge: Bool)?

    init(_ kind: Kind, _ mark: YAMLMark) {
      self.kind = kind
      self.mark = mark
    }

    func member(_ name: String) -> (YAMLMark, Node)? {
      if let hit = members.last(where: { $0.key == name }) { return (hit.mark, hit.value) }
      for source in merges.reversed() {
        if let hit = source.member(name) { return hit }
      }
      return nil
    }
  }

  static func locate(_ path: [String], inDocument index: Int, of source: YAMLSource) -> YAMLMark? {
    find(path, inDocument: index, of: source)?.mark
  }

  /// The characters of the scalar at `path` as written (`1.30`, not the number 1.3); nil for a collection.
  static func writtenScalar(_ path: [String], inDocument index: Int, of source: YAMLSource) -> String? {
    find(path, inDocument: index, of: source)?.node.written
  }

  private static func find(_ path: [String], inDocument index: Int, of source: YAMLSource) -> (
    mark: YAMLMark, node: Node
  )? {
    let root = source.bytes.withUnsafeBufferPointer { buffer in
      try? tree(ofDocument: index, in: buffer, file: source.file)
    }
    guard var node = root ?? nil else { return nil }
    var mark = node.mark
    for component in path {
      switch node.kind {
      case .mapping:
        guard let (keyMark, value) = node.member(component) else { return nil }
        mark = keyMark
        node = value
      case .sequence:
        guard let i = Int(component), node.items.indices.contains(i) else { return nil }
        node = node.items[i]
        mark = node.mark
      case .scalar:
        return nil
      }
    }
    return (mark, node)
  }

  private static func tree(
    ofDocument target: Int, in buffer: UnsafeBufferPointer<UInt8>, file: String?
  ) throws(YAMLError) -> Node? {
    let parser = try LibYAMLParser(input: buffer, file: file)
    let event = parser.event
    var documentIndex = -1
    var stack: [Node] = []
    var anchors: [String: Node] = [:]
    var root: Node?

    /// Adds a finished node to its parent; `mark` is where it is written (an alias's own position).
    func add(_ node: Node, at mark: YAMLMark) {
      guard let parent = stack.last else {
        root = node
        return
      }
      if parent.kind == .sequence {
        parent.items.append(node)
      } else if let pending = parent.pending {
        parent.pending = nil
        if pending.merge {
          parent.merges.append(contentsOf: node.kind == .sequence ? node.items.reversed() : [node])
        } else {
          parent.members.append(.init(key: pending.key, mark: pending.mark, value: node))
        }
      } else {
        parent.pending = (node.text, mark, false)
      }
    }

    while true {
      try parser.next()
      let mark = YAMLMark(
        line: Int(event.pointee.start_mark.line) + 1, column: Int(event.pointee.start_mark.column) + 1)
      switch event.pointee.type {
      case YAML_DOCUMENT_START_EVENT:
        documentIndex += 1
        anchors = [:]
      case YAML_DOCUMENT_END_EVENT:
        if documentIndex == target { return root }
      case YAML_STREAM_END_EVENT:
        return nil
      case _ where documentIndex != target:
        continue
      case YAML_SCALAR_EVENT:
        let parent = stack.last
        let keyPosition = parent?.kind == .mapping && parent?.pending == nil
        let value = try ScalarEvent.value(event, keyPosition: keyPosition, file: file)
        let node = Node(.scalar, mark)
        node.text = value.flatMap(ScalarEvent.key(for:))
        let scalar = event.pointee.data.scalar
        if let bytes = scalar.value {
          node.written = String(decoding: UnsafeBufferPointer(start: bytes, count: Int(scalar.length)), as: UTF8.self)
        }
        if let anchor = event.pointee.data.scalar.anchor { anchors[String(cString: anchor)] = node }
        if keyPosition, let parent, value == nil {
          parent.pending = (nil, mark, true)
        } else {
          add(node, at: mark)
        }
      case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
        let mapping = event.pointee.type == YAML_MAPPING_START_EVENT
        let node = Node(mapping ? .mapping : .sequence, mark)
        let anchor = mapping ? event.pointee.data.mapping_start.anchor : event.pointee.data.sequence_start.anchor
        if let anchor { anchors[String(cString: anchor)] = node }
        stack.append(node)
      case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
        if let node = stack.popLast() { add(node, at: node.mark) }
      case YAML_ALIAS_EVENT:
        guard let node = anchors[String(cString: event.pointee.data.alias.anchor)] else { return nil }
        add(node, at: mark)
      default:
        continue
      }
    }
  }
}
