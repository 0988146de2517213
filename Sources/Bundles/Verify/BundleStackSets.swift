import Phases
import ServestackCore

/// The check of a bundle's stack sets: when bundle.yaml names an upgrade source, or the bundle has stacks/,
/// stacks/ must hold phase templates and a catalog that loads and defines the sets bundle.yaml names
/// (install and `upgrade apply --bundle` resolve from them). A bundle without stacks/ (made from a phase
/// folder without a catalog, or before stacks/) has nothing to check here.
enum BundleStackSets {
  /// The sets checked (upgrade source first; empty for a bundle without stacks/) and the problems found.
  static func check(descriptor bytes: [UInt8]?, files: [String: [UInt8]]) -> (
    sets: [String], problems: [BundleVerification.Problem]
  ) {
    let hasStacks = files.keys.contains { $0.hasPrefix(BundleLayout.stacksDirectory + "/") }
    guard let bytes, let descriptor = try? BundleDescriptor(yaml: bytes, source: BundleLayout.descriptorFile),
      descriptor.upgradeFrom != nil || hasStacks
    else { return ([], []) }
    let sets = descriptor.upgradeFrom != nil ? descriptor.stackSets : [descriptor.stackSet].compactMap { $0 }
    func problem(_ message: String) -> BundleVerification.Problem {
      .init(kind: .stackSets, path: BundleLayout.stacksDirectory, message: message)
    }
    let templates = files.keys.filter {
      $0.hasPrefix(BundleLayout.stacksDirectory + "/") && !BundlePhaseReferences.isCatalogFile($0)
    }
    guard !templates.isEmpty else {
      return (
        sets, [problem("bundle.yaml names sets \(sets.joined(separator: " and ")) but stacks/ holds no phase file")]
      )
    }
    let prefix = BundleLayout.catalogDirectory + "/"
    let catalogFiles = files.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map {
      (name: String($0.key.dropFirst(prefix.count)), text: String(decoding: $0.value, as: UTF8.self), file: $0.key)
    }
    let catalog: VersionCatalog
    do {
      catalog = try CatalogLoader.parse(catalogFiles, directory: nil, origin: BundleLayout.catalogDirectory)
    } catch {
      return (sets, [problem("the catalog in \(BundleLayout.catalogDirectory) does not load: \(error.userMessage)")])
    }
    let missing = sets.filter { catalog.stack(named: $0) == nil }
    guard missing.isEmpty else {
      return (
        sets,
        [
          problem(
            "bundle.yaml names set(s) \(missing.joined(separator: ", ")) that the catalog in \(BundleLayout.catalogDirectory) does not define"
          )
        ]
      )
    }
    return (sets, [])
  }
}
