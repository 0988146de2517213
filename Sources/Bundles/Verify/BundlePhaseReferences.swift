import Phases
import ServestackCore
import YAML

/// The `path:` manifests of a bundle's phase files. A bundle comes from elsewhere: a phase that names
/// `/etc/…` or `../../…` would make `install --bundle` apply a file of the installing host, so inside a
/// bundle every `path:` must resolve to a file of the bundle that checksums.txt covers. (A user's own
/// `--phases` folder is not checked: it may read files beside it.)
enum BundlePhaseReferences {
  /// Whether `path` (a tarball entry) is a phase file (in phases/ or stacks/) or a catalog file (in
  /// stacks/versions/), whose `path:` manifests are checked.
  static func isPhaseFile(_ path: String) -> Bool {
    guard path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { return false }
    return [BundleLayout.phasesDirectory, BundleLayout.stacksDirectory, BundleLayout.catalogDirectory].contains {
      path.hasPrefix($0 + "/") && !path.dropFirst($0.count + 1).contains("/")
    }
  }

  static func isCatalogFile(_ path: String) -> Bool { path.hasPrefix(BundleLayout.catalogDirectory + "/") }

  /// The `path:` manifests a catalog file's versions name.
  static func catalogPaths(_ text: [UInt8], file: String) -> [String] {
    guard let document = try? YAMLParser.parseDocument(text, file: file) else { return [] }
    return (document["versions"]?.arrayValue ?? []).flatMap { version in
      (version["manifests"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
    }
  }

  /// The bundle paths the `path:` manifests of phase file `file` (a tarball entry path) name, or a problem
  /// for each one that is absolute or leaves the bundle. A file that does not parse names nothing here
  /// (loading it fails later with its own message).
  static func references(of file: String, text: [UInt8]) -> (
    paths: [(written: String, resolved: String)], problems: [BundleVerification.Problem]
  ) {
    let base = String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)])
    var named: [String] = []
    if isCatalogFile(file) {
      named = catalogPaths(text, file: file)
    } else {
      guard let spec = try? PhaseLoader.parse(String(decoding: text, as: UTF8.self), file: file, directory: nil)
      else { return ([], []) }
      for manifest in spec.manifests {
        if case .path(let path, _) = manifest.location { named.append(path) }
      }
    }
    var paths: [(String, String)] = []
    var problems: [BundleVerification.Problem] = []
    for written in named {
      if let resolved = resolve(written, from: base) {
        paths.append((written, resolved))
      } else {
        problems.append(
          .init(
            kind: .unsafeReference, path: file,
            message: "manifest path '\(written)' \(written.hasPrefix("/") ? "is absolute" : "leaves the bundle"); "
              + "a bundle's phases may name only files inside the bundle that checksums.txt lists"))
      }
    }
    return (paths, problems)
  }

  /// Problems of every phase file's `path:` manifests: outside the bundle, or naming a file `isCovered`
  /// says checksums.txt does not list.
  static func problems(phaseFiles: [String: [UInt8]], isCovered: (String) -> Bool) -> [BundleVerification.Problem] {
    var problems: [BundleVerification.Problem] = []
    for (file, text) in phaseFiles.sorted(by: { $0.key < $1.key }) {
      let found = references(of: file, text: text)
      problems += found.problems
      for (written, resolved) in found.paths where !isCovered(resolved) {
        problems.append(
          .init(
            kind: .unsafeReference, path: file,
            message: "manifest path '\(written)' names \(resolved), which checksums.txt does not list; "
              + "a bundle's phases may name only files inside the bundle that checksums.txt lists"))
      }
    }
    return problems
  }

  /// `path` taken relative to the bundle folder `base`, as a clean bundle path; nil when it is absolute or
  /// climbs above the bundle's root.
  static func resolve(_ path: String, from base: String) -> String? {
    guard !path.hasPrefix("/") else { return nil }
    var parts = base.split(separator: "/").map(String.init)
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..":
        guard !parts.isEmpty else { return nil }
        parts.removeLast()
      default: parts.append(String(part))
      }
    }
    return parts.isEmpty ? nil : parts.joined(separator: "/")
  }
}
