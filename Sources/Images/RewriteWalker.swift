import Foundation
import Registry
import ServestackCore

/// Walks objects in place for ``ImageRewriter``, visiting the fields ``ExtractionWalker`` reads and naming
/// them the same way, so that a skipped field shows up in the leftover check under the same name.
struct RewriteWalker {
  let rewriter: ImageRewriter
  var changes: [ImageRewriteChange] = []
  private var object = ObjectRef(kind: "")

  init(rewriter: ImageRewriter) { self.rewriter = rewriter }

  mutating func visitTopLevel(_ value: inout JSONValue) {
    guard value["apiVersion"]?.stringValue != nil, let kind = value["kind"]?.stringValue else { return }
    if kind.hasSuffix("List"), case .object(var members) = value, case .array(var items)? = members["items"] {
      value = .null
      for index in items.indices { visitTopLevel(&items[index]) }
      members["items"] = .array(items)
      value = .object(members)
      return
    }
    guard kind != "CustomResourceDefinition" else { return }
    object = ObjectRef(
      kind: kind, namespace: value["metadata"]?["namespace"]?.stringValue,
      name: value["metadata"]?["name"]?.stringValue ?? value["metadata"]?["generateName"]?.stringValue)
    guard case .object(var members) = value else { return }
    value = .null
    if kind == "ConfigMap" {
      if case .object(var data)? = members["data"] {
        members["data"] = .null
        visitConfigMapData(&data)
        members["data"] = .object(data)
      }
      if var metadata = members["metadata"] {
        walk(&metadata, path: "metadata")
        members["metadata"] = metadata
      }
    } else {
      walkMembers(&members, path: "")
    }
    value = .object(members)
  }

  // MARK: - Objects

  private mutating func walk(_ value: inout JSONValue, path: String) {
    switch value {
    case .object(var members):
      value = .null
      walkMembers(&members, path: path)
      value = .object(members)
    case .array(var elements):
      value = .null
      for index in elements.indices { walk(&elements[index], path: "\(path)[\(index)]") }
      value = .array(elements)
    default:
      break
    }
  }

  private mutating func walkMembers(_ members: inout JSONObject, path: String) {
    for index in members.values.indices {
      let key = members.keys[index]
      let childPath = ExtractionWalker.join(path, key)
      switch members.values[index] {
      case .string(let text) where ExtractionWalker.isImageKey(key):
        if let new = change(text, field: childPath) { members.values[index] = .string(new) }
      case .string(let text) where key == "storageUri":
        if let new = rewriter.options.storageURIs[text], record(from: text, to: new, field: childPath) {
          members.values[index] = .string(new)
        }
      case .string(let text) where key == "hub" && object.kind == "IstioOperator":
        if let new = rewriter.rewrite(hub: text), record(from: text, to: new, field: childPath) {
          members.values[index] = .string(new)
        }
      case .array(var entries) where key == "env":
        members.values[index] = .null
        for entryIndex in entries.indices {
          guard let name = entries[entryIndex]["name"]?.stringValue, name.hasSuffix("_IMAGE"),
            let text = entries[entryIndex]["value"]?.stringValue,
            let new = change(text, field: "\(childPath)[\(entryIndex)].value")
          else { continue }
          entries[entryIndex].set(.string(new), at: ["value"])
        }
        members.values[index] = .array(entries)
      case .array(var entries) where key == "args" || key == "command":
        members.values[index] = .null
        for entryIndex in entries.indices {
          guard let text = entries[entryIndex].stringValue, let flag = ExtractionWalker.imageFlag(text),
            let new = change(flag.value, field: "\(childPath)[\(entryIndex)]")
          else { continue }
          entries[entryIndex] = .string("\(flag.name)=\(new)")
        }
        members.values[index] = .array(entries)
      default:
        break
      }
      walk(&members.values[index], path: childPath)
    }
  }

  // MARK: - ConfigMaps

  private mutating func visitConfigMapData(_ data: inout JSONObject) {
    for index in data.values.indices {
      let key = data.keys[index]
      guard key != "_example", let text = data.values[index].stringValue else { continue }
      let field = ExtractionWalker.join("data", key)
      if key == "registries-skipping-tag-resolving", object.name == "config-deployment",
        rewriter.options.setKnativeTagResolutionSkip
      {
        if text != rewriter.registryHost, record(from: text, to: rewriter.registryHost, field: field) {
          data.values[index] = .string(rewriter.registryHost)
        }
        continue
      }
      if ExtractionWalker.isDataImageKey(key) {
        if let new = change(text, field: field) { data.values[index] = .string(new) }
        continue
      }
      let trimmed = text.drop { $0.isWhitespace }
      if trimmed.first == "{" || trimmed.first == "[", var json = try? JSONValue(parsing: text) {
        let before = changes.count
        let root = json
        walkJSON(&json, root: root, field: field, inner: "")
        if changes.count > before {
          data.values[index] = .string(json.serialized(text.contains("\n") ? .pretty : []))
        }
      } else if text.contains("image:") {
        if let new = rewriteTemplateText(text, field: field) { data.values[index] = .string(new) }
      }
    }
  }

  /// JSON held in a ConfigMap value; `inner` is the path inside it, as the extractor names it.
  private mutating func walkJSON(_ value: inout JSONValue, root: JSONValue, field: String, inner: String) {
    switch value {
    case .object(var members):
      value = .null
      let globalHub = root["global"]?["hub"]?.stringValue ?? ""
      for index in members.values.indices {
        let key = members.keys[index]
        let innerPath = ExtractionWalker.join(inner, key)
        if case .string(let text) = members.values[index] {
          if ExtractionWalker.isImageKey(key) {
            // Istio's bare image names (`proxyv2`) are completed from the hub, which is rewritten instead.
            let composedFromHub = !text.contains("/") && !globalHub.isEmpty
            if !composedFromHub, let new = change(text, field: "\(field) → \(innerPath)") {
              members.values[index] = .string(new)
            }
          } else if key == "hub", let new = rewriter.rewrite(hub: text),
            record(from: text, to: new, field: "\(field) → \(innerPath)")
          {
            members.values[index] = .string(new)
          }
        }
        walkJSON(&members.values[index], root: root, field: field, inner: innerPath)
      }
      value = .object(members)
    case .array(var elements):
      value = .null
      for index in elements.indices {
        walkJSON(&elements[index], root: root, field: field, inner: "\(inner)[\(index)]")
      }
      value = .array(elements)
    default:
      break
    }
  }

  /// `image: REF` lines of template text (Istio's injection templates), indentation and quotes kept.
  private mutating func rewriteTemplateText(_ text: String, field: String) -> String? {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var changed = false
    for index in lines.indices {
      let line = lines[index]
      var content = Substring(line).drop { $0 == " " || $0 == "\t" }
      if content.hasPrefix("- ") { content = content.dropFirst(2).drop { $0 == " " } }
      guard content.hasPrefix("image:") else { continue }
      let head = line[..<content.startIndex] + "image: "
      var value = content.dropFirst(6).trimmingCharacters(in: .whitespaces)
      var quote = ""
      if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
        quote = String(first)
        value = String(value.dropFirst().dropLast())
      }
      guard !value.contains("{{"), let new = change(value, field: "\(field) (line \(index + 1))") else { continue }
      lines[index] = head + quote + new + quote
      changed = true
    }
    return changed ? lines.joined(separator: "\n") : nil
  }

  // MARK: - Recording

  /// The rewritten reference for `text` at `field`, recorded; nil when nothing is to change or the field is
  /// skipped.
  private mutating func change(_ text: String, field: String) -> String? {
    guard let new = rewriter.rewrite(reference: text) else { return nil }
    let trimmedLeading = text.prefix { $0.isWhitespace }
    let trimmedTrailing = String(text.reversed().prefix { $0.isWhitespace }.reversed())
    let spelled = String(trimmedLeading) + new + trimmedTrailing
    return record(from: text, to: spelled, field: field) ? spelled : nil
  }

  /// Records a change unless the field is skipped; whether it may be made.
  private mutating func record(from: String, to: String, field: String) -> Bool {
    if let skip = rewriter.options.skip, skip(object, field) { return false }
    changes.append(ImageRewriteChange(object: object, field: field, from: from, to: to))
    return true
  }
}
