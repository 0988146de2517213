public import ServestackCore

/// A manifest as it was stored: the exact bytes (whose SHA-256 is its digest), its media type, and what
/// it references. The bytes are never re-serialized, so digests survive copies.
public struct Manifest: Sendable, Hashable {
  public let bytes: [UInt8]
  public let mediaType: String
  public let digest: Digest
  /// For an image manifest: the config blob.
  public let config: Descriptor?
  /// For an image manifest: the layers, in order.
  public let layers: [Descriptor]
  /// For an index: the child manifests.
  public let manifests: [Descriptor]

  /// Reads a manifest's bytes. The media type comes from the body's `mediaType`, else from `mediaType`
  /// given (a `Content-Type` or a descriptor), else from its shape.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.invalidManifest`) for a body that is not JSON, an unknown media type, or a
  /// malformed descriptor.
  public init(bytes: [UInt8], mediaType given: String? = nil, context: String) throws(RegistryError) {
    let json: JSONValue
    do throws(JSONError) {
      json = try JSONValue(parsing: bytes)
    } catch {
      throw RegistryError(.invalidManifest, "\(context): the manifest is not JSON (\(error))")
    }
    let declared = json["mediaType"]?.stringValue
    let shapeType: String? =
      json["manifests"] != nil ? MediaType.ociIndex : (json["layers"] != nil ? MediaType.ociManifest : nil)
    let givenUsable = given.flatMap { MediaType.manifestTypes.contains($0) ? $0 : nil }
    guard let mediaType = declared ?? givenUsable ?? shapeType, MediaType.manifestTypes.contains(mediaType) else {
      throw RegistryError(
        .invalidManifest,
        "\(context): unsupported manifest type '\(declared ?? given ?? "none")' (expected OCI or Docker v2 schema 2)")
    }
    self.bytes = bytes
    self.mediaType = mediaType
    self.digest = Digest.sha256(bytes)
    if MediaType.isIndex(mediaType) {
      var children: [Descriptor] = []
      for child in json["manifests"]?.arrayValue ?? [] {
        children.append(try Descriptor(json: child, context: context))
      }
      manifests = children
      config = nil
      layers = []
    } else {
      guard let configJSON = json["config"] else {
        throw RegistryError(.invalidManifest, "\(context): the image manifest has no config")
      }
      config = try Descriptor(json: configJSON, context: context)
      var layers: [Descriptor] = []
      for layer in json["layers"]?.arrayValue ?? [] {
        layers.append(try Descriptor(json: layer, context: context))
      }
      self.layers = layers
      manifests = []
    }
  }

  public var isIndex: Bool { MediaType.isIndex(mediaType) }

  /// The blobs an image manifest needs: config first, then the layers.
  public var blobs: [Descriptor] { (config.map { [$0] } ?? []) + layers }

  /// A descriptor of this manifest.
  public func descriptor(platform: Platform? = nil, annotations: [String: String] = [:]) -> Descriptor {
    Descriptor(
      mediaType: mediaType, digest: digest, size: Int64(bytes.count), platform: platform, annotations: annotations)
  }

  /// The children of an index that match one of `platforms` (all children when `platforms` is empty).
  public func children(for platforms: [Platform]) -> [Descriptor] {
    guard !platforms.isEmpty else { return manifests }
    return manifests.filter { child in
      guard let platform = child.platform else { return false }
      return platforms.contains { $0.matches(platform) }
    }
  }
}
