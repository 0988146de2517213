import BuiltinContent
public import Foundation
import ServestackCore
import YAML

/// Reads the version catalog: `stacks.yaml` (the named sets) and one `<component>.yaml` per component,
/// from the binary (`phases/versions/`) or a phase folder's `versions/` subfolder.
///
/// Every error names the file, line and column and the field: an unknown component or version in a set,
/// a URL manifest without sha256, a Kubernetes range whose recommendation is below its minimum.
public enum CatalogLoader {
  /// The catalog folder's name inside a phase folder.
  public static let folderName = "versions"
  static let stacksFile = "stacks.yaml"

  /// The catalog embedded in this binary.
  ///
  /// #### Errors
  /// ``PhaseError`` if the embedded files do not validate.
  public static func builtin() throws(PhaseError) -> VersionCatalog {
    let prefix = folderName + "/"
    let files = BuiltinContent.files(in: "phases").filter { $0.name.hasPrefix(prefix) && isCatalogFileName($0.name) }
      .map { (name: String($0.name.dropFirst(prefix.count)), text: $0.text, file: "phases/\($0.name)") }
    return try parse(files, directory: nil, origin: "built-in")
  }

  /// The catalog of a phase folder (`DIR/versions/`), or nil when it has none.
  ///
  /// #### Errors
  /// ``PhaseError`` when a file cannot be read or does not validate.
  public static func load(phaseFolder: URL) throws(PhaseError) -> VersionCatalog? {
    let folder = phaseFolder.appendingPathComponent(folderName)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      return nil
    }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    } catch {
      throw PhaseError(
        .io, "cannot read the version catalog: \(error.localizedDescription)", file: folder.path, cause: error)
    }
    var files: [(name: String, text: String, file: String)] = []
    for name in names where isCatalogFileName(name) {
      let url = folder.appendingPathComponent(name)
      do {
        files.append((name, try String(contentsOf: url, encoding: .utf8), url.path))
      } catch {
        throw PhaseError(
          .io, "cannot read the catalog file: \(error.localizedDescription)", file: url.path, cause: error)
      }
    }
    return try parse(files, directory: folder, origin: folder.path)
  }

  static func isCatalogFileName(_ name: String) -> Bool { name.hasSuffix(".yaml") || name.hasSuffix(".yml") }

  /// Parses and cross-checks the catalog files.
  ///
  /// - Parameter directory: the folder `path:` manifests are relative to (nil for the built-in catalog).
  public static func parse(
    _ files: [(name: String, text: String, file: String)], directory: URL?, origin: String
  ) throws(PhaseError) -> VersionCatalog {
    var components: [String: CatalogComponent] = [:]
    var stacksRoot: SchemaNode?
    var testedWithNodes: [SchemaNode] = []
    for entry in files {
      let root = try document(entry.text, file: entry.file)
      if entry.name == stacksFile {
        stacksRoot = root
        continue
      }
      let (component, tested) = try decodeComponent(root, fileName: entry.name, directory: directory)
      if let first = components[component.name] {
        throw root.fail(.duplicatePhase, "component '\(component.name)' is defined twice (also in \(first.file))")
      }
      components[component.name] = component
      testedWithNodes += tested
    }
    let known = components.keys.sorted()
    for node in testedWithNodes {
      for (key, _) in try node.object() where components[key] == nil {
        throw node.context.error(.invalidValue, at: node.path.appending(key), unknownComponent(key, known: known))
      }
    }
    guard let stacksRoot else {
      throw PhaseError(
        .missingField, "the version catalog has no \(stacksFile) naming its stack sets",
        file: directory?.path ?? "phases/\(folderName)")
    }
    let stacks = try decodeStacks(stacksRoot, components: components)
    return VersionCatalog(components: components, stacks: stacks, origin: origin)
  }

  static func document(_ text: String, file: String) throws(PhaseError) -> SchemaNode {
    try SchemaNode.onlyDocument(text, file: file, what: "a catalog file").root
  }

  static func unknownComponent(_ name: String, known: [String]) -> String {
    var message = "unknown component '\(name)'"
    if let suggestion = SchemaNode.suggestion(for: name, among: known) { message += " (did you mean '\(suggestion)'?)" }
    return message + "; the catalog's components are \(known.joined(separator: ", "))"
  }

  /// One `<component>.yaml`, and its `testedWith` nodes (checked once every component is known).
  static func decodeComponent(
    _ root: SchemaNode, fileName: String, directory: URL?
  ) throws(PhaseError) -> (CatalogComponent, [SchemaNode]) {
    let top = try root.mapping(allowed: ["component", "versions"])
    let nameNode = try top.required("component")
    let name = try nameNode.string()
    let stem = (fileName as NSString).deletingPathExtension
    guard name == stem else {
      throw nameNode.fail(
        .invalidValue, "this file defines component '\(name)' but is named \(fileName); name it \(name).yaml")
    }
    let versionsNode = try top.required("versions")
    let items = try versionsNode.sequence()
    guard !items.isEmpty else { throw versionsNode.fail(.invalidValue, "list at least one version") }
    var versions: [CatalogVersion] = []
    var tested: [SchemaNode] = []
    for item in items {
      let (version, testedNode) = try decodeVersion(item, directory: directory)
      if let twin = versions.first(where: { $0.semanticVersion == version.semanticVersion }) {
        throw item.fail(.invalidValue, "\(name) \(version.version) is listed twice (also at line \(twin.source.line))")
      }
      versions.append(version)
      if let testedNode { tested.append(testedNode) }
    }
    return (CatalogComponent(name: name, versions: versions, file: root.context.file), tested)
  }

  static func decodeVersion(_ node: SchemaNode, directory: URL?) throws(PhaseError) -> (CatalogVersion, SchemaNode?) {
    let map = try node.mapping(allowed: ["version", "kubernetes", "upgradeFrom", "testedWith", "manifests"])
    let versionNode = try map.required("version")
    let text = try versionNode.nonEmptyString()
    let semantic: SemanticVersion
    do { semantic = try SemanticVersion(text) } catch { throw versionNode.invalid(error) }

    let kubeNode = try map.required("kubernetes")
    let kube = try kubeNode.mapping(allowed: ["min", "recommended"])
    let minimum = try PhaseLoader.kubernetesVersion(try kube.required("min"))
    var recommended: KubernetesVersion?
    if let recommendedNode = kube.optional("recommended") {
      let value = try PhaseLoader.kubernetesVersion(recommendedNode)
      guard value >= minimum else {
        throw recommendedNode.fail(.invalidValue, "recommended Kubernetes \(value) is below the minimum \(minimum)")
      }
      recommended = value
    }

    var upgradeFrom: [VersionConstraint] = []
    if let upNode = map.optional("upgradeFrom") {
      for item in try upNode.sequence() {
        let text = try item.string()
        do { upgradeFrom.append(try VersionConstraint(text)) } catch { throw item.invalid(error) }
      }
    }

    var testedWith: [String: [String]] = [:]
    let testedNode = map.optional("testedWith")
    if let testedNode {
      for (key, value) in try testedNode.object() {
        let child = SchemaNode(value: value, path: testedNode.path.appending(key), context: node.context)
        var versions: [String] = []
        for item in try child.sequence() {
          let listed = try item.string()
          do { _ = try SemanticVersion(listed) } catch { throw item.invalid(error) }
          versions.append(listed)
        }
        testedWith[key] = versions
      }
    }

    let manifestsNode = try map.required("manifests")
    let manifestItems = try manifestsNode.sequence()
    guard !manifestItems.isEmpty else { throw manifestsNode.fail(.invalidValue, "list at least one manifest") }
    var manifests: [CatalogManifest] = []
    for item in manifestItems { manifests.append(try decodeManifest(item, directory: directory)) }
    let version = CatalogVersion(
      version: text, semanticVersion: semantic,
      kubernetes: KubernetesSupport(minimum: minimum, recommended: recommended),
      upgradeFrom: upgradeFrom, testedWith: testedWith, manifests: manifests, source: node.location)
    return (version, testedNode)
  }

  /// A phase file's manifest entry, plus `phase:` naming the phase it belongs to.
  static func decodeManifest(_ node: SchemaNode, directory: URL?) throws(PhaseError) -> CatalogManifest {
    var object = try node.object()
    var phase: PhaseName?
    if let phaseValue = object["phase"] {
      phase = try PhaseLoader.phaseName(
        SchemaNode(value: phaseValue, path: node.path.appending("phase"), context: node.context))
      object["phase"] = nil
    }
    // `path:` entries are relative to the catalog folder; the resolved phase may live elsewhere.
    if let path = object["path"]?.stringValue, let directory, !path.hasPrefix("/") {
      object["path"] = .string(directory.appendingPathComponent(path).path)
    }
    let stripped = SchemaNode(value: .object(object), path: node.path, context: node.context)
    let source = try PhaseLoader.decodeManifest(stripped)
    return CatalogManifest(source: source, phase: phase, document: .object(object))
  }

  static func decodeStacks(_ root: SchemaNode, components: [String: CatalogComponent]) throws(PhaseError)
    -> [StackDefinition]
  {
    let top = try root.mapping(allowed: ["stacks"])
    let listNode = try top.required("stacks")
    let items = try listNode.sequence()
    guard !items.isEmpty else { throw listNode.fail(.invalidValue, "name at least one stack set") }
    let known = components.keys.sorted()
    var stacks: [StackDefinition] = []
    for item in items {
      let map = try item.mapping(allowed: ["name", "description", "components"])
      let nameNode = try map.required("name")
      let name = try nameNode.string()
      guard name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ PhaseName.isLabel(String($0)) })
      else {
        throw nameNode.fail(
          .invalidValue, "invalid stack set name '\(name)': use lowercase letters, digits, '.' and '-'")
      }
      if stacks.contains(where: { $0.name == name }) {
        throw nameNode.fail(.duplicatePhase, "stack set '\(name)' is defined twice; set names must be unique")
      }
      let description = try map.optional("description")?.string()
      let componentsNode = try map.required("components")
      let pairs = try componentsNode.object()
      guard !pairs.isEmpty else { throw componentsNode.fail(.invalidValue, "name at least one component version") }
      var chosen: [(component: String, version: String)] = []
      for (component, value) in pairs {
        let child = SchemaNode(value: value, path: componentsNode.path.appending(component), context: root.context)
        guard let entry = components[component] else {
          throw root.context.error(.invalidValue, at: child.path, unknownComponent(component, known: known))
        }
        let version = try child.string()
        guard entry.version(version) != nil else {
          throw child.fail(
            .invalidValue,
            "\(component) \(version) is not in the catalog (\(entry.file) lists \(entry.versions.map(\.version).joined(separator: ", "))); add it there first"
          )
        }
        chosen.append((component, version))
      }
      stacks.append(StackDefinition(name: name, description: description, components: chosen, source: item.location))
    }
    return stacks
  }
}
