import BuiltinContent
public import Foundation
import ServestackCore
import YAML

/// A bundle specification (`bundles/<name>.yaml`): which profile, platforms, extra images and test models
/// go into a bundle. The images themselves come from the profile's phases: whatever their manifests need.
///
/// ```yaml
/// name: default
/// description: The serverless stack (Istio, Knative, KServe) with the sklearn-iris test model.
/// profile: serverless
/// platforms: [linux/amd64]
/// images: []                      # extra images besides those the manifests name
/// models:
///   - name: sklearn-iris
///     version: "1.0"
///     storageUri: gs://kfserving-examples/models/sklearn/1.0/model   # what the test phases ask for
///     path: models/sklearn-iris   # optional, relative to the spec file; or --model sklearn-iris=DIR|FILE
///     base: docker.io/library/busybox:1.36.1   # optional: an image with a shell under the model layer
/// ```
public struct BundleSpec: Sendable, Equatable {
  /// A test model to carry.
  public struct Model: Sendable, Equatable {
    public var name: String
    public var version: String
    public var storageUri: String?
    /// Local files (a directory or one file); the command line's `--model NAME=PATH` wins.
    public var path: URL?
    /// An image whose layers go under the model layer (KServe's modelcar sidecar runs `sh`), pulled into
    /// the bundle too; without one the modelcar holds only the model files.
    public var base: String?

    public init(name: String, version: String, storageUri: String? = nil, path: URL? = nil, base: String? = nil) {
      self.name = name
      self.version = version
      self.storageUri = storageUri
      self.path = path
      self.base = base
    }
  }

  public var name: String
  public var description: String?
  public var profile: String
  public var platforms: [String]
  public var images: [String]
  public var models: [Model]
  /// Where the spec came from (`built-in bundles/default.yaml` or a path).
  public var origin: String

  public init(
    name: String, description: String? = nil, profile: String, platforms: [String] = ["linux/amd64"],
    images: [String] = [], models: [Model] = [], origin: String = "inline"
  ) {
    self.name = name
    self.description = description
    self.profile = profile
    self.platforms = platforms
    self.images = images
    self.models = models
    self.origin = origin
  }

  /// The names of the specs built into this binary (`default`, …).
  public static var builtinNames: [String] {
    BuiltinContent.files(in: "bundles").filter { $0.name.hasSuffix(".yaml") }.map { String($0.name.dropLast(5)) }
  }

  /// A built-in spec by name, or a spec file by path (`--spec NAME|FILE`; nil means `default`).
  ///
  /// #### Errors
  /// ``BundleError`` `.invalidSpec` for an unknown name, an unreadable file or a malformed spec.
  public static func resolve(_ nameOrPath: String?) throws(BundleError) -> BundleSpec {
    let wanted = nameOrPath ?? "default"
    if !wanted.contains("/") && !wanted.hasSuffix(".yaml") && !wanted.hasSuffix(".yml") {
      guard let file = BuiltinContent.files(in: "bundles").first(where: { $0.name == "\(wanted).yaml" }) else {
        throw BundleError(
          .invalidSpec,
          "no built-in bundle spec named '\(wanted)' (built in: \(builtinNames.joined(separator: ", "))); give a file path to use your own"
        )
      }
      return try parse(Array(file.text.utf8), origin: "built-in bundles/\(file.name)", directory: nil)
    }
    let url = URL(fileURLWithPath: wanted)
    let bytes: [UInt8]
    do {
      bytes = Array(try Data(contentsOf: url))
    } catch {
      throw BundleError(
        .invalidSpec, "cannot read the bundle spec \(url.path): \(error.localizedDescription)", cause: error)
    }
    return try parse(bytes, origin: url.path, directory: url.deletingLastPathComponent())
  }

  /// Parses a spec; `directory` is what model `path:`s are relative to.
  ///
  /// #### Errors
  /// ``BundleError`` `.invalidSpec` naming the field.
  public static func parse(_ bytes: [UInt8], origin: String, directory: URL?) throws(BundleError) -> BundleSpec {
    let document: JSONValue
    do {
      document = try YAMLParser.parseDocument(bytes, file: origin)
    } catch {
      throw BundleError(.invalidSpec, "bundle spec \(origin) is not valid YAML: \(error.message)", cause: error)
    }
    func bad(_ field: String, _ problem: String) -> BundleError {
      BundleError(.invalidSpec, "bundle spec \(origin): \(field) \(problem)")
    }
    let known: Set<String> = ["name", "description", "profile", "platforms", "images", "models"]
    for key in document.objectValue?.keys ?? [] where !known.contains(key) {
      throw bad("'\(key)'", "is not a field of a bundle spec (fields: \(known.sorted().joined(separator: ", ")))")
    }
    guard let name = document["name"]?.stringValue, !name.isEmpty else { throw bad("name", "is missing") }
    guard let profile = document["profile"]?.stringValue, !profile.isEmpty else { throw bad("profile", "is missing") }
    let platforms = document["platforms"]?.arrayValue?.compactMap(\.stringValue) ?? ["linux/amd64"]
    guard !platforms.isEmpty else { throw bad("platforms", "is empty; name at least one, e.g. linux/amd64") }
    let images = document["images"]?.arrayValue?.compactMap(\.stringValue) ?? []
    var models: [Model] = []
    for (index, entry) in (document["models"]?.arrayValue ?? []).enumerated() {
      guard let modelName = entry["name"]?.stringValue, !modelName.isEmpty,
        modelName.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" })
      else {
        throw bad("models[\(index)].name", "is missing or not lower-case letters, digits, '-', '.', '_'")
      }
      let version =
        entry["version"].flatMap { value -> String? in
          value.stringValue ?? value.intValue.map(String.init) ?? value.doubleValue.map { String($0) }
        } ?? "latest"
      let path = entry["path"]?.stringValue.map { text in
        text.hasPrefix("/")
          ? URL(fileURLWithPath: text)
          : (directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).appendingPathComponent(text)
      }
      models.append(
        Model(
          name: modelName, version: version, storageUri: entry["storageUri"]?.stringValue, path: path,
          base: entry["base"]?.stringValue))
    }
    return BundleSpec(
      name: name, description: document["description"]?.stringValue, profile: profile, platforms: platforms,
      images: images, models: models, origin: origin)
  }
}
