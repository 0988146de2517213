public import ServestackCore

/// An OCI content descriptor: what a manifest says about a blob or a child manifest.
public struct Descriptor: Hashable, Sendable {
  public var mediaType: String
  public var digest: Digest
  public var size: Int64
  public var platform: Platform?
  public var annotations: [String: String]
  /// Members this type does not model (`urls`, `artifactType`, `data`), kept so that index.json round-trips.
  public var otherMembers: JSONObject

  public init(
    mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil, annotations: [String: String] = [:],
    otherMembers: JSONObject = [:]
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.platform = platform
    self.annotations = annotations
    self.otherMembers = otherMembers
  }

  /// Reads a descriptor object.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.invalidManifest`) when `mediaType`, `digest` or `size` is missing or malformed.
  public init(json: JSONValue, context: String) throws(RegistryError) {
    guard case .object(var object) = json else {
      throw RegistryError(.invalidManifest, "\(context): a descriptor is not a JSON object")
    }
    guard let mediaType = object.removeValue(forKey: "mediaType")?.stringValue,
      let digestText = object.removeValue(forKey: "digest")?.stringValue,
      let size = object.removeValue(forKey: "size")?.intValue, size >= 0
    else {
      throw RegistryError(.invalidManifest, "\(context): a descriptor lacks mediaType, digest or size")
    }
    do throws(ValueError) {
      digest = try Digest(digestText)
    } catch {
      throw RegistryError(.invalidManifest, "\(context): \(error)")
    }
    self.mediaType = mediaType
    self.size = Int64(size)
    platform = object.removeValue(forKey: "platform").flatMap(Platform.init(json:))
    var annotations: [String: String] = [:]
    for (key, value) in object.removeValue(forKey: "annotations")?.objectValue ?? [:] {
      if let text = value.stringValue { annotations[key] = text }
    }
    self.annotations = annotations
    otherMembers = object
  }

  /// The descriptor as JSON, members in the order the OCI spec lists them.
  public var json: JSONValue {
    var object: JSONObject = [
      "mediaType": .string(mediaType), "digest": .string(digest.description), "size": .int(Int(size)),
    ]
    for (key, value) in otherMembers { object[key] = value }
    if !annotations.isEmpty {
      object["annotations"] = .object(
        JSONObject(
          uniqueKeysWithValues: annotations.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
    }
    if let platform { object["platform"] = platform.json }
    return .object(object)
  }

  /// The annotation OCI layouts use to name an image (`org.opencontainers.image.ref.name`).
  public static let refNameAnnotation = "org.opencontainers.image.ref.name"
}

/// An image's operating system and CPU: `linux/amd64`, `linux/arm64/v8`.
public struct Platform: Hashable, Sendable, CustomStringConvertible {
  public var os: String
  public var architecture: String
  public var variant: String?

  public init(os: String, architecture: String, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
  }

  /// Parses `os/arch[/variant]`.
  ///
  /// #### Errors
  /// ``ValueError`` when the text has fewer than two or more than three parts.
  public init(_ text: String) throws(ValueError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
      throw ValueError(kind: "platform", value: text, problem: "expected os/architecture[/variant], e.g. linux/arm64")
    }
    self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
  }

  init?(json: JSONValue) {
    guard let os = json["os"]?.stringValue, let architecture = json["architecture"]?.stringValue else { return nil }
    self.init(os: os, architecture: architecture, variant: json["variant"]?.stringValue)
  }

  var json: JSONValue {
    var object: JSONObject = ["architecture": .string(architecture), "os": .string(os)]
    if let variant { object["variant"] = .string(variant) }
    return .object(object)
  }

  public var description: String { [os, architecture, variant].compactMap(\.self).joined(separator: "/") }

  /// Whether an image for `candidate` runs here, as containerd matches: OS and architecture equal; a
  /// wanted variant must be equal, where `arm64` without a variant means `v8` and `amd64` `v1`.
  public func matches(_ candidate: Platform) -> Bool {
    guard os == candidate.os, architecture == candidate.architecture else { return false }
    guard let wanted = variant else { return true }
    return Self.normalizedVariant(wanted, architecture) == Self.normalizedVariant(candidate.variant, architecture)
  }

  private static func normalizedVariant(_ variant: String?, _ architecture: String) -> String? {
    switch (architecture, variant) {
    case ("arm64", nil): "v8"
    case ("amd64", nil): "v1"
    default: variant
    }
  }

  public static let linuxAMD64 = Platform(os: "linux", architecture: "amd64")
  public static let linuxARM64 = Platform(os: "linux", architecture: "arm64")
}
