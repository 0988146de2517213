public import ServestackCore

/// One manifest of a phase: an upstream URL pinned by SHA-256, or a file beside the phase file (bundles).
public struct ManifestSource: Hashable, Sendable {
  public enum Location: Hashable, Sendable {
    /// An `https` URL and the SHA-256 its bytes must have.
    case url(String, sha256: Digest)
    /// A path relative to the phase file's folder (or absolute); checked against `sha256` when given.
    case path(String, sha256: Digest?)
  }

  public let location: Location
  /// Only for these profiles; nil for all.
  public let profiles: Set<Profile>?
  /// Where the entry is written.
  public let source: FileLocation

  public init(location: Location, profiles: Set<Profile>? = nil, source: FileLocation) {
    self.location = location
    self.profiles = profiles
    self.source = source
  }

  /// The pinned digest, if any.
  public var sha256: Digest? {
    switch location {
    case .url(_, let digest): digest
    case .path(_, let digest): digest
    }
  }

  /// The URL or path as written.
  public var reference: String {
    switch location {
    case .url(let url, _): url
    case .path(let path, _): path
    }
  }

  /// The manifest's file name (the URL's or path's last component).
  public var fileName: String {
    let reference = reference
    return reference.split(separator: "/").last.map(String.init) ?? reference
  }

  public func applies(to profile: Profile) -> Bool { profiles?.contains(profile) ?? true }
}
