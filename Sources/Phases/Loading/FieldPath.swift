/// Where a value sits in a phase file: mapping keys and sequence indexes from the document root.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
  enum Component: Sendable, Hashable {
    case key(String)
    case index(Int)
  }

  var components: [Component] = []

  static let root = FieldPath()

  func appending(_ key: String) -> FieldPath { FieldPath(components: components + [.key(key)]) }
  func appending(_ index: Int) -> FieldPath { FieldPath(components: components + [.index(index)]) }

  var parent: FieldPath? { components.isEmpty ? nil : FieldPath(components: Array(components.dropLast())) }

  /// `manifests[0].sha256`; keys that are not plain identifiers are quoted: `merge.data["${domain}"]`.
  var description: String {
    var text = ""
    for component in components {
      switch component {
      case .index(let i): text += "[\(i)]"
      case .key(let key):
        let plain =
          !key.isEmpty
          && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
          }
        if plain {
          text += text.isEmpty ? key : ".\(key)"
        } else {
          text += "[\"\(key)\"]"
        }
      }
    }
    return text.isEmpty ? "(document)" : text
  }

  /// The path as `YAMLDocument.location(of:)` takes it (indexes as decimal strings).
  var yamlPath: [String] {
    components.map {
      switch $0 {
      case .key(let key): key
      case .index(let i): String(i)
      }
    }
  }
}
