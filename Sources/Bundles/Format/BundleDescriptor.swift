public import Foundation
public import ServestackCore
import YAML

/// bundle.yaml: what a bundle holds. Written first into the tarball so that `bundle inspect` reads it
/// without going through the blobs.
public struct BundleDescriptor: Sendable, Equatable {
  /// One image of images/index.json.
  public struct Image: Sendable, Equatable {
    /// The reference as the manifests name it, canonical (`docker.io/istio/pilot:1.27.1`); also its
    /// `org.opencontainers.image.ref.name` in images/index.json.
    public var name: String
    /// The digest of the manifest stored (an index's own digest when every platform is kept).
    public var digest: Digest
    public var mediaType: String
    /// Platforms stored (empty for a single manifest without platform).
    public var platforms: [String]
    /// Bytes of its manifests and blobs (blobs shared with other images counted here too).
    public var size: Int64
    public var blobs: Int

    public init(name: String, digest: Digest, mediaType: String, platforms: [String], size: Int64, blobs: Int) {
      self.name = name
      self.digest = digest
      self.mediaType = mediaType
      self.platforms = platforms
      self.size = size
      self.blobs = blobs
    }
  }

  /// A test model: its files under models/<name>/ and its modelcar image in images/.
  public struct Model: Sendable, Equatable {
    public var name: String
    public var version: String
    /// The modelcar image's name in images/index.json (`servestack.local/models/sklearn-iris:1.0`).
    public var image: String
    public var digest: Digest
    /// The upstream `storageUri` this model stands in for (rewritten to `oci://…` on install), if any.
    public var storageUri: String?
    public var files: [String]
    public var size: Int64

    public init(
      name: String, version: String, image: String, digest: Digest, storageUri: String?, files: [String], size: Int64
    ) {
      self.name = name
      self.version = version
      self.image = image
      self.digest = digest
      self.storageUri = storageUri
      self.files = files
      self.size = size
    }
  }

  /// A named stack set: its name and its components' versions, in install order.
  public struct StackSet: Sendable, Equatable {
    public var name: String
    public var components: [(component: String, version: String)]

    public init(name: String, components: [(component: String, version: String)]) {
      self.name = name
      self.components = components
    }

    public static func == (a: StackSet, b: StackSet) -> Bool {
      a.name == b.name && a.components.elementsEqual(b.components) { $0 == $1 }
    }

    var json: JSONValue {
      [
        "name": .string(name),
        "stack": .object(JSONObject(uniqueKeysWithValues: components.map { ($0.component, .string($0.version)) })),
      ]
    }
  }

  public struct Totals: Sendable, Equatable {
    public var images: Int
    /// Distinct blobs (layers and configs; manifests not counted).
    public var blobs: Int
    /// Bytes of everything under images/ (each blob once), manifests included.
    public var bytes: Int64

    public init(images: Int, blobs: Int, bytes: Int64) {
      self.images = images
      self.blobs = blobs
      self.bytes = bytes
    }
  }

  public var formatVersion = BundleLayout.formatVersion
  public var name: String
  public var toolVersion: String
  public var created: Date
  public var profile: String
  /// Component → version, in install order.
  public var stack: [(component: String, version: String)]
  public var platforms: [String]
  /// Phase file names in phases/, in install order.
  public var phases: [String]
  public var images: [Image]
  public var models: [Model]
  public var totals: Totals
  /// The catalog set `stack` is (nil: a bundle of a phase folder without a catalog, or from before sets).
  public var stackSet: String?
  /// The set a two-set bundle upgrades from (`bundle create --upgrade-from`); nil: a one-set bundle.
  /// Its versions, those of `stack` and of every step between them are carried, with stacks/.
  public var upgradeFrom: StackSet?

  public init(
    name: String, toolVersion: String, created: Date, profile: String, stack: [(component: String, version: String)],
    platforms: [String], phases: [String], images: [Image], models: [Model], totals: Totals, stackSet: String? = nil,
    upgradeFrom: StackSet? = nil
  ) {
    self.name = name
    self.toolVersion = toolVersion
    self.created = created
    self.profile = profile
    self.stack = stack
    self.platforms = platforms
    self.phases = phases
    self.images = images
    self.models = models
    self.totals = totals
    self.stackSet = stackSet
    self.upgradeFrom = upgradeFrom
  }

  /// The sets of a two-set bundle, upgrade source first (empty for a one-set bundle).
  public var stackSets: [String] {
    guard let upgradeFrom else { return [] }
    return [upgradeFrom.name, stackSet ?? "(unnamed)"]
  }

  public static func == (a: BundleDescriptor, b: BundleDescriptor) -> Bool {
    a.json == b.json
  }

  /// `2026-01-02T03:04:05Z`.
  static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
  }

  /// The descriptor as a JSON document (what bundle.yaml holds, and `bundle inspect -o json` prints).
  public var json: JSONValue {
    let imageValues: [JSONValue] = images.map { image in
      [
        "name": .string(image.name), "digest": .string(image.digest.description),
        "mediaType": .string(image.mediaType), "platforms": .array(image.platforms.map { .string($0) }),
        "size": .int(Int(image.size)), "blobs": .int(image.blobs),
      ]
    }
    let modelValues: [JSONValue] = models.map { model in
      var object: JSONObject = [
        "name": .string(model.name), "version": .string(model.version), "image": .string(model.image),
        "digest": .string(model.digest.description),
      ]
      if let uri = model.storageUri { object["storageUri"] = .string(uri) }
      object["files"] = .array(model.files.map { .string($0) })
      object["size"] = .int(Int(model.size))
      return .object(object)
    }
    var object: JSONObject = [
      "formatVersion": .int(formatVersion),
      "name": .string(name),
      "toolVersion": .string(toolVersion),
      "created": .string(Self.timestamp(created)),
      "profile": .string(profile),
      "stack": .object(JSONObject(uniqueKeysWithValues: stack.map { ($0.component, JSONValue.string($0.version)) })),
      "platforms": .array(platforms.map { .string($0) }),
      "phases": .array(phases.map { .string($0) }),
      "totals": ["images": .int(totals.images), "blobs": .int(totals.blobs), "bytes": .int(Int(totals.bytes))],
      "images": .array(imageValues),
      "models": .array(modelValues),
    ]
    if let stackSet { object["stackSet"] = .string(stackSet) }
    if let upgradeFrom { object["upgradeFrom"] = upgradeFrom.json }
    return .object(object)
  }

  /// bundle.yaml's text.
  ///
  /// #### Errors
  /// ``BundleError`` `.io` if the YAML emitter fails (it should not for this content).
  public func yaml() throws(BundleError) -> String {
    do {
      return "# servestack airgap bundle; see `servestack bundle inspect`\n" + (try YAMLEmitter.emit(json))
    } catch {
      throw BundleError(.io, "cannot write bundle.yaml: \(error.message)", cause: error)
    }
  }

  /// Reads bundle.yaml.
  ///
  /// #### Errors
  /// ``BundleError`` `.invalidBundle` naming the field that is missing or malformed.
  public init(yaml bytes: [UInt8], source: String) throws(BundleError) {
    let document: JSONValue
    do {
      document = try YAMLParser.parseDocument(bytes, file: source)
    } catch {
      throw BundleError(.invalidBundle, "\(source) is not valid YAML: \(error.message)", cause: error)
    }
    try self.init(json: document, source: source)
  }

  init(json document: JSONValue, source: String) throws(BundleError) {
    func bad(_ field: String, _ problem: String = "is missing or malformed") -> BundleError {
      BundleError(
        .invalidBundle, "\(source): field '\(field)' \(problem); this is not a servestack bundle or it is damaged")
    }
    func digest(_ value: JSONValue?, _ field: String) throws(BundleError) -> Digest {
      guard let text = value?.stringValue, let digest = try? Digest(text) else { throw bad(field) }
      return digest
    }
    guard let version = document["formatVersion"]?.intValue else { throw bad("formatVersion") }
    guard version == BundleLayout.formatVersion else {
      throw bad(
        "formatVersion",
        "is \(version); this servestack reads format \(BundleLayout.formatVersion) — use the servestack that made the bundle"
      )
    }
    guard let name = document["name"]?.stringValue else { throw bad("name") }
    guard let created = document["created"]?.stringValue.flatMap({ ISO8601DateFormatter().date(from: $0) }) else {
      throw bad("created")
    }
    guard let profile = document["profile"]?.stringValue else { throw bad("profile") }
    var images: [Image] = []
    for (index, entry) in (document["images"]?.arrayValue ?? []).enumerated() {
      guard let imageName = entry["name"]?.stringValue, let mediaType = entry["mediaType"]?.stringValue else {
        throw bad("images[\(index)]")
      }
      images.append(
        Image(
          name: imageName, digest: try digest(entry["digest"], "images[\(index)].digest"), mediaType: mediaType,
          platforms: entry["platforms"]?.arrayValue?.compactMap(\.stringValue) ?? [],
          size: Int64(entry["size"]?.intValue ?? 0), blobs: entry["blobs"]?.intValue ?? 0))
    }
    var models: [Model] = []
    for (index, entry) in (document["models"]?.arrayValue ?? []).enumerated() {
      guard let modelName = entry["name"]?.stringValue, let image = entry["image"]?.stringValue else {
        throw bad("models[\(index)]")
      }
      models.append(
        Model(
          name: modelName, version: entry["version"]?.stringValue ?? "", image: image,
          digest: try digest(entry["digest"], "models[\(index)].digest"), storageUri: entry["storageUri"]?.stringValue,
          files: entry["files"]?.arrayValue?.compactMap(\.stringValue) ?? [], size: Int64(entry["size"]?.intValue ?? 0))
      )
    }
    let totals = document["totals"]
    var upgradeFrom: StackSet?
    if let from = document["upgradeFrom"] {
      // A bundle without the field is a one-set bundle (all bundles before two-set ones).
      guard let fromName = from["name"]?.stringValue, let fromStack = from["stack"]?.objectValue else {
        throw bad("upgradeFrom", "needs a name and a stack")
      }
      upgradeFrom = StackSet(name: fromName, components: Self.components(fromStack))
    }
    self.init(
      name: name, toolVersion: document["toolVersion"]?.stringValue ?? "unknown", created: created, profile: profile,
      stack: Self.components(document["stack"]?.objectValue ?? [:]),
      platforms: document["platforms"]?.arrayValue?.compactMap(\.stringValue) ?? [],
      phases: document["phases"]?.arrayValue?.compactMap(\.stringValue) ?? [], images: images, models: models,
      totals: Totals(
        images: totals?["images"]?.intValue ?? images.count, blobs: totals?["blobs"]?.intValue ?? 0,
        bytes: Int64(totals?["bytes"]?.intValue ?? 0)), stackSet: document["stackSet"]?.stringValue,
      upgradeFrom: upgradeFrom)
  }

  static func components(_ object: JSONObject) -> [(component: String, version: String)] {
    object.compactMap { key, value in value.stringValue.map { (component: key, version: $0) } }
  }
}
