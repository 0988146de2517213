public import Foundation
import ServestackCore
import YAML

/// Reads one phase file into a ``PhaseSpec``, checking it against the schema.
///
/// Every error names the file, the line and column, and the field (`manifests[0].sha256`).
public enum PhaseLoader {
  static let topLevelFields = [
    "name", "kind", "description", "after", "profiles", "component", "manifests", "objects", "patches", "wait",
    "timeout", "webhookProbes", "checks", "steps",
  ]

  /// The fields each kind may use beyond name, kind, description, after, profiles and timeout.
  static let fieldsByKind: [PhaseKind: Set<String>] = [
    .preflight: ["checks"],
    .install: ["component", "manifests", "objects", "patches", "wait", "webhookProbes"],
    .test: ["steps"],
  ]

  /// Parses and validates a phase file's text.
  ///
  /// - Parameters:
  ///   - file: how messages name the file.
  ///   - directory: the folder `path:` manifests are relative to (nil for built-in phases).
  ///
  /// #### Errors
  /// ``PhaseError`` for YAML that does not parse and for every schema violation.
  public static func parse(_ text: String, file: String, directory: URL?) throws(PhaseError) -> PhaseSpec {
    let (root, document) = try SchemaNode.onlyDocument(text, file: file, what: "a phase file")
    var spec = try decode(root, directory: directory, fileName: (file as NSString).lastPathComponent)
    spec.locatedDocument = document
    return spec
  }

  /// Reads and validates a phase file on disk; `path:` manifests are relative to its folder.
  public static func load(contentsOf url: URL) throws(PhaseError) -> PhaseSpec {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw PhaseError(.io, "cannot read the phase file: \(error.localizedDescription)", file: url.path, cause: error)
    }
    return try parse(text, file: url.path, directory: url.deletingLastPathComponent())
  }

  static func decode(_ root: SchemaNode, directory: URL?, fileName: String) throws(PhaseError) -> PhaseSpec {
    let top = try root.mapping(allowed: topLevelFields)
    let nameNode = try top.required("name")
    let name = try phaseName(nameNode)

    let kindNode = try top.required("kind")
    let kindText = try kindNode.string()
    guard let kind = PhaseKind(rawValue: kindText) else {
      throw kindNode.fail(.invalidValue, "unknown phase kind '\(kindText)'; use preflight, install or test")
    }
    let common: Set<String> = ["name", "kind", "description", "after", "profiles", "timeout"]
    for key in top.object.keys where !common.contains(key) && !(fieldsByKind[kind] ?? []).contains(key) {
      throw top.node.context.error(
        .unknownField, at: FieldPath.root.appending(key),
        "field '\(key)' is not allowed in a phase of kind \(kind); it belongs to \(PhaseLoader.kindsUsing(key))")
    }

    let description = try top.optional("description")?.string()
    var after: [PhaseName] = []
    if let node = top.optional("after") {
      for item in try node.sequence() { after.append(try phaseName(item)) }
    }
    let profiles =
      try top.optional("profiles").map { node throws(PhaseError) in try profileSet(node) } ?? Set(Profile.allCases)
    var timeout = PhaseSpec.defaultTimeout(for: kind)
    if let node = top.optional("timeout") { timeout = try duration(node) }

    let component = try top.optional("component").map { node throws(PhaseError) in try decodeComponent(node) }
    var manifests: [ManifestSource] = []
    if let node = top.optional("manifests") {
      for item in try node.sequence() { manifests.append(try decodeManifest(item)) }
    }
    var objects: [JSONValue] = []
    if let node = top.optional("objects") {
      for item in try node.sequence() {
        try checkObject(item)
        try checkPlaceholders(item)
        objects.append(item.value)
      }
    }
    var patches: [PhasePatch] = []
    if let node = top.optional("patches") {
      for item in try node.sequence() { patches.append(try decodePatch(item)) }
    }
    var wait: [PhaseWait] = []
    if let node = top.optional("wait") {
      for item in try node.sequence() { wait.append(try decodeWait(item)) }
    }
    var probes: [WebhookProbe] = []
    if let node = top.optional("webhookProbes") {
      for item in try node.sequence() { probes.append(try decodeProbe(item)) }
    }
    var checks: [PreflightCheck] = []
    if let node = top.optional("checks") {
      for item in try node.sequence() { checks.append(try decodeCheck(item)) }
    }
    var steps: [TestStep] = []
    if kind == .test {
      let node = try top.required("steps")
      let items = try node.sequence()
      guard !items.isEmpty else { throw node.fail(.invalidValue, "a test phase needs at least one step") }
      for item in items { steps.append(try decodeStep(item)) }
    }
    return PhaseSpec(
      name: name, kind: kind, description: description, after: after, profiles: profiles, component: component,
      manifests: manifests, objects: objects, patches: patches, wait: wait, timeout: timeout, webhookProbes: probes,
      checks: checks, steps: steps, file: root.context.file, directory: directory, fileName: fileName,
      document: root.value)
  }

  static func kindsUsing(_ key: String) -> String {
    let kinds = PhaseKind.allCases.filter { fieldsByKind[$0]?.contains(key) ?? false }.map(\.rawValue)
    return "phases of kind " + kinds.joined(separator: ", ")
  }

  static func phaseName(_ node: SchemaNode) throws(PhaseError) -> PhaseName {
    let text = try node.string()
    do { return try PhaseName(text) } catch { throw node.invalid(error) }
  }

  static func profileSet(_ node: SchemaNode) throws(PhaseError) -> Set<Profile> {
    var profiles = Set<Profile>()
    let items = try node.sequence()
    guard !items.isEmpty else {
      throw node.fail(.invalidValue, "name at least one profile, or leave 'profiles' out for all")
    }
    for item in items {
      let text = try item.string()
      do { profiles.insert(try Profile(parsing: text)) } catch { throw item.invalid(error) }
    }
    return profiles
  }

  static func duration(_ node: SchemaNode) throws(PhaseError) -> GoDuration {
    guard let text = node.value.stringValue else {
      throw node.fail(
        .wrongType, "expected a duration such as 10m, 90s or 1h30m, found \(SchemaNode.describe(node.value))")
    }
    do { return try GoDuration(text) } catch { throw node.invalid(error) }
  }
}
