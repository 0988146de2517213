public import Foundation
public import ServestackCore
import YAML

/// Generating image lists from manifests and checking committed lists against them.
public enum ImageLists {
  /// The image list of each component version, from its manifests.
  public static func generate(manifestsByComponent: [ComponentVersion: [JSONValue]]) -> [ComponentVersion: ImageList] {
    var lists: [ComponentVersion: ImageList] = [:]
    for (key, manifests) in manifestsByComponent {
      let extraction = ImageExtractor().extract(from: manifests)
      lists[key] = ImageList(name: key.description, references: extraction.references)
    }
    return lists
  }

  /// Compares `lists` with what the manifests of each component version need. A list is matched to its
  /// manifests by name (`<component>-<version>`).
  public static func check(lists: [ImageList], manifestsByComponent: [ComponentVersion: [JSONValue]]) -> DriftReport {
    let expected = generate(manifestsByComponent: manifestsByComponent)
    let byName = Dictionary(lists.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var report = DriftReport()
    for key in expected.keys.sorted() {
      guard let wanted = expected[key] else { continue }
      guard let list = byName[key.description] else {
        if !wanted.references.isEmpty { report.missingLists.append(key) }
        continue
      }
      let have = Set(list.references)
      let need = Set(wanted.references)
      if have == need {
        report.matching.append(list.name)
      } else {
        report.drifts.append(
          DriftReport.Drift(
            list: list.name, extra: have.subtracting(need).sorted(), missing: need.subtracting(have).sorted()))
      }
    }
    let checked = Set(expected.keys.map(\.description))
    report.unchecked = lists.map(\.name).filter { !checked.contains($0) }.sorted()
    return report
  }

  /// Reads a manifests directory laid out as `<component>/<version>/…/*.yaml` (as upstream fixtures and
  /// bundles lay them out). A version folder's name starts with a digit or `v` and a digit; other folders
  /// (examples, image lists) are not components. YAML files in subfolders of a version count too; documents
  /// that are not Kubernetes objects (Helm values) contribute nothing.
  ///
  /// #### Errors
  /// ``ImagesError`` for unreadable folders or invalid YAML; (`.layout`) when no component version is found.
  public static func loadManifests(directory: URL) throws(ImagesError) -> [ComponentVersion: [JSONValue]] {
    let manager = FileManager.default
    var result: [ComponentVersion: [JSONValue]] = [:]
    for component in try subdirectories(of: directory) {
      for version in try subdirectories(of: component) where isVersion(version.lastPathComponent) {
        var documents: [JSONValue] = []
        guard let walker = manager.enumerator(at: version, includingPropertiesForKeys: nil) else { continue }
        var files: [URL] = []
        for case let file as URL in walker where ["yaml", "yml"].contains(file.pathExtension) { files.append(file) }
        for file in files.sorted(by: { $0.path < $1.path }) {
          documents += try ImageExtractor.readManifests(file)
        }
        if !files.isEmpty {
          result[ComponentVersion(component: component.lastPathComponent, version: version.lastPathComponent)] =
            documents
        }
      }
    }
    guard !result.isEmpty else {
      throw ImagesError(
        .layout,
        "\(directory.path) holds no manifests laid out as <component>/<version>/*.yaml (e.g. istio/1.27.1/istio.yaml)")
    }
    return result
  }

  /// Reads every `*.txt` list of a directory.
  ///
  /// #### Errors
  /// ``ImagesError`` for an unreadable directory or a malformed list.
  public static func loadLists(directory: URL) throws(ImagesError) -> [ImageList] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    } catch {
      throw ImagesError(
        .io, "cannot list the image lists in \(directory.path): \(error.localizedDescription)", cause: error)
    }
    var files: [(name: String, text: String)] = []
    for name in names.sorted() where name.hasSuffix(".txt") {
      let url = directory.appendingPathComponent(name)
      do {
        files.append((name, try String(contentsOf: url, encoding: .utf8)))
      } catch {
        throw ImagesError(.io, "cannot read \(url.path): \(error.localizedDescription)", cause: error)
      }
    }
    return try parseLists(files)
  }

  /// The lists among `files` (`<name>.txt`; other files are passed over), as an image lists folder or the
  /// built-in content holds them.
  ///
  /// #### Errors
  /// ``ImagesError`` for a line that is not an image reference.
  public static func parseLists(_ files: [(name: String, text: String)]) throws(ImagesError) -> [ImageList] {
    var lists: [ImageList] = []
    for file in files where file.name.hasSuffix(".txt") {
      lists.append(try ImageList(name: String(file.name.dropLast(4)), text: file.text))
    }
    return lists
  }

  /// Writes each list as `<directory>/<name>.txt`; returns the files written.
  ///
  /// #### Errors
  /// ``ImagesError`` (`.io`) when a file cannot be written.
  @discardableResult
  public static func write(_ lists: [ImageList], to directory: URL) throws(ImagesError) -> [URL] {
    var written: [URL] = []
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for list in lists.sorted(by: { $0.name < $1.name }) {
        let url = directory.appendingPathComponent("\(list.name).txt")
        try Data(list.text.utf8).write(to: url, options: .atomic)
        written.append(url)
      }
    } catch {
      throw ImagesError(
        .io, "cannot write image lists to \(directory.path): \(error.localizedDescription)", cause: error)
    }
    return written
  }

  static func isVersion(_ name: String) -> Bool {
    let digits = name.hasPrefix("v") ? name.dropFirst() : Substring(name)
    return digits.first?.isNumber ?? false
  }

  private static func subdirectories(of directory: URL) throws(ImagesError) -> [URL] {
    let manager = FileManager.default
    let names: [String]
    do {
      names = try manager.contentsOfDirectory(atPath: directory.path)
    } catch {
      throw ImagesError(.io, "cannot list \(directory.path): \(error.localizedDescription)", cause: error)
    }
    return names.sorted().filter { !$0.hasPrefix(".") }.map { directory.appendingPathComponent($0) }.filter { url in
      var isDirectory: ObjCBool = false
      return manager.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
  }
}
