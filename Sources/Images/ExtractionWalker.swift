import Foundation
import Registry
import ServestackCore

/// Walks one object after another, collecting occurrences and problems (see ``ImageExtractor``).
struct ExtractionWalker {
  var result = ImageExtraction()
  let istioProxy: IstioProxyImage?
  private var object = ObjectRef(kind: "")

  init(istioProxy: IstioProxyImage?) { self.istioProxy = istioProxy }

  mutating func visit(_ value: JSONValue, file: String?) {
    guard let kind = value["kind"]?.stringValue, kind != "CustomResourceDefinition" else { return }
    object = ObjectRef(
      kind: kind, namespace: value["metadata"]?["namespace"]?.stringValue,
      name: value["metadata"]?["name"]?.stringValue ?? value["metadata"]?["generateName"]?.stringValue, file: file)
    if kind == "ConfigMap" {
      visitConfigMapData(value["data"]?.objectValue ?? [:])
      if let metadata = value["metadata"] { walk(metadata, path: "metadata") }
    } else {
      walk(value, path: "")
    }
  }

  // MARK: - Objects

  static func isImageKey(_ key: String) -> Bool { key == "image" || key.hasSuffix("Image") }

  static func isDataImageKey(_ key: String) -> Bool {
    isImageKey(key) || key.hasSuffix("-image") || key.hasSuffix("_image")
  }

  static func join(_ path: String, _ key: String) -> String {
    if key.contains(".") || key.contains("/") || key.contains(" ") { return "\(path)[\"\(key)\"]" }
    return path.isEmpty ? key : "\(path).\(key)"
  }

  private mutating func walk(_ value: JSONValue, path: String) {
    switch value {
    case .object(let members):
      for (key, child) in members {
        let childPath = Self.join(path, key)
        switch child {
        case .string(let text) where Self.isImageKey(key):
          record(text, field: childPath)
        case .array(let entries) where key == "env":
          for (index, entry) in entries.enumerated() {
            if let name = entry["name"]?.stringValue, name.hasSuffix("_IMAGE"), let text = entry["value"]?.stringValue {
              record(text, field: "\(childPath)[\(index)].value", note: "env \(name)")
            }
          }
        case .array(let entries) where key == "args" || key == "command":
          for (index, entry) in entries.enumerated() {
            guard let text = entry.stringValue, let flag = Self.imageFlag(text) else { continue }
            record(flag.value, field: "\(childPath)[\(index)]", note: "flag \(flag.name)")
          }
        default:
          break
        }
        walk(child, path: childPath)
      }
    case .array(let elements):
      for (index, element) in elements.enumerated() { walk(element, path: "\(path)[\(index)]") }
    default:
      break
    }
  }

  /// `--acme-http01-solver-image=quay.io/…` → (`--acme-http01-solver-image`, `quay.io/…`); values without a
  /// `/` are not taken.
  static func imageFlag(_ argument: String) -> (name: String, value: String)? {
    guard argument.hasPrefix("-"), let equals = argument.firstIndex(of: "=") else { return nil }
    let name = String(argument[..<equals])
    let value = String(argument[argument.index(after: equals)...])
    // A flag about images whose value names no repository path (`--image-tag=1`) is not a reference.
    guard name.lowercased().contains("image"), value.contains("/") else { return nil }
    return (name, value)
  }

  // MARK: - ConfigMaps

  private mutating func visitConfigMapData(_ data: JSONObject) {
    for (key, value) in data where key != "_example" {
      guard let text = value.stringValue else { continue }
      let field = Self.join("data", key)
      if Self.isDataImageKey(key) {
        record(text, field: field)
        continue
      }
      let trimmed = text.drop { $0.isWhitespace }
      if trimmed.first == "{" || trimmed.first == "[", let json = try? JSONValue(parsing: text) {
        walkJSON(json, root: json, field: field, inner: "")
      } else if text.contains("image:") {
        scanTemplateText(text, field: field)
      }
    }
  }

  /// Walks JSON held in a ConfigMap value; `inner` is the path inside it.
  private mutating func walkJSON(_ value: JSONValue, root: JSONValue, field: String, inner: String) {
    switch value {
    case .object(let members):
      for (key, child) in members {
        let innerPath = Self.join(inner, key)
        if case .string(let text) = child, Self.isImageKey(key) {
          let composed = Self.compose(text, siblings: members, root: root, inner: inner)
          record(composed.text, field: "\(field) → \(innerPath)", note: composed.note)
        }
        walkJSON(child, root: root, field: field, inner: innerPath)
      }
    case .array(let elements):
      for (index, element) in elements.enumerated() {
        walkJSON(element, root: root, field: field, inner: "\(inner)[\(index)]")
      }
    default:
      break
    }
  }

  /// Completes an image written in parts: KServe's `image` + `defaultImageVersion`; Istio's
  /// `hub` + `image` + `tag`, where `image` has no `/` and the values carry `global.hub`.
  static func compose(_ image: String, siblings: JSONObject, root: JSONValue, inner: String)
    -> (text: String, note: String?)
  {
    let hasTagOrDigest = image.contains("@") || (image.split(separator: "/").last?.contains(":") ?? false)
    if !hasTagOrDigest, let version = siblings["defaultImageVersion"].flatMap(scalarText) {
      return ("\(image):\(version)", "\(inner.isEmpty ? "" : inner + ".")image + defaultImageVersion")
    }
    if !image.contains("/"), !image.isEmpty, let globalHub = root["global"]?["hub"]?.stringValue, !globalHub.isEmpty {
      let localHub = siblings["hub"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
      let localTag = siblings["tag"].flatMap(scalarText)
      let hub = localHub ?? globalHub
      guard let tag = localTag ?? root["global"]?["tag"].flatMap(scalarText) else { return (image, nil) }
      let text = hasTagOrDigest ? "\(hub)/\(image)" : "\(hub)/\(image):\(tag)"
      let note = "\(localHub == nil ? "global.hub" : "hub") + image + \(localTag == nil ? "global.tag" : "tag")"
      return (text, note)
    }
    return (image, nil)
  }

  /// A string or number as text; nil for empty strings and other values.
  static func scalarText(_ value: JSONValue) -> String? {
    switch value {
    case .string(let text): text.isEmpty ? nil : text
    case .int(let number): String(number)
    case .double(let number): String(number)
    default: nil
    }
  }

  /// Literal `image: REF` lines of template text (Istio's injection templates).
  private mutating func scanTemplateText(_ text: String, field: String) {
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var content = line.drop { $0 == " " || $0 == "\t" }
      if content.hasPrefix("- ") { content = content.dropFirst(2).drop { $0 == " " } }
      guard content.hasPrefix("image:") else { continue }
      var value = content.dropFirst(6).trimmingCharacters(in: .whitespaces)
      if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
        value = String(value.dropFirst().dropLast())
      }
      guard !value.isEmpty, !value.contains("{{"), !value.contains("}}") else { continue }
      record(value, field: "\(field) (line \(index + 1))", note: "template text")
    }
  }

  // MARK: - Recording

  private mutating func record(_ raw: String, field: String, note: String? = nil) {
    let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty, !text.contains("{{") else { return }
    if text == "auto" {
      if let istioProxy {
        append(istioProxy.text, field: field, note: istioProxy.note)
      } else {
        result.problems.append(
          ExtractionProblem(
            object: object, field: field, text: text,
            problem:
              "Istio injects this image at admission; give the istio-sidecar-injector ConfigMap too to resolve it"))
      }
      return
    }
    append(text, field: field, note: note)
  }

  private mutating func append(_ text: String, field: String, note: String?) {
    do throws(ValueError) {
      let reference = try ImageReference(text)
      result.occurrences.append(
        ImageOccurrence(reference: reference, text: text, object: object, field: field, note: note))
    } catch {
      result.problems.append(ExtractionProblem(object: object, field: field, text: text, problem: error.problem))
    }
  }
}
