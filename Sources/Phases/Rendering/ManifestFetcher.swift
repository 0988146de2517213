public import Foundation
public import HTTP
public import ServestackCore

/// Gets the bytes of phase manifests: URLs are downloaded (or taken from a local mirror) and checked
/// against their SHA-256 pins, with a content-addressed cache; `path:` sources are read from disk.
///
/// A download whose hash differs from its pin is an error naming the URL and both hashes, and nothing of
/// it is used or cached.
public final class ManifestFetcher: Sendable {
  public struct Options: Sendable {
    /// Where verified downloads are kept, one file per SHA-256: `<cache>/<hex>`.
    public var cacheDirectory: URL
    /// Fetch every URL from this base instead (scheme, host and port replaced, path kept):
    /// `http://127.0.0.1:8080` turns `https://github.com/knative/serving/…` into `http://127.0.0.1:8080/knative/serving/…`.
    public var mirror: String?
    /// Downloads at once.
    public var maximumConcurrentDownloads: Int
    /// Time limit per download.
    public var timeout: Duration
    /// Use only the cache; a manifest that is not there is an error.
    public var offline: Bool

    public init(
      cacheDirectory: URL = ManifestFetcher.defaultCacheDirectory, mirror: String? = nil,
      maximumConcurrentDownloads: Int = 4, timeout: Duration = .seconds(300), offline: Bool = false
    ) {
      self.cacheDirectory = cacheDirectory
      self.mirror = mirror
      self.maximumConcurrentDownloads = maximumConcurrentDownloads
      self.timeout = timeout
      self.offline = offline
    }
  }

  /// `$XDG_CACHE_HOME/servestack/manifests`, else `~/.cache/servestack/manifests`.
  public static var defaultCacheDirectory: URL {
    let environment = ProcessInfo.processInfo.environment
    let base =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
    return base.appendingPathComponent("servestack/manifests")
  }

  public let options: Options
  let client: HTTPClient

  /// #### Errors
  /// ``PhaseError`` when the mirror is not an http(s) base URL or the HTTP client cannot start.
  public init(options: Options = Options(), client: HTTPClient? = nil) throws(PhaseError) {
    if let mirror = options.mirror {
      guard let components = URLComponents(string: mirror), let scheme = components.scheme?.lowercased(),
        scheme == "http" || scheme == "https", components.host?.isEmpty == false, components.query == nil
      else {
        throw PhaseError(
          .selection,
          "--mirror \(mirror): expected a base URL such as http://10.61.3.31:8080 or https://mirror.example/prefix")
      }
    }
    self.options = options
    if let client {
      self.client = client
    } else {
      do {
        self.client = try HTTPClient(configuration: HTTPClientConfiguration())
      } catch {
        throw PhaseError(.download, "cannot start the HTTP client: \(error.message)", cause: error)
      }
    }
  }

  /// Where a URL is fetched from: the URL itself, or its path on the mirror.
  public func effectiveURL(for url: String) -> String {
    guard let mirror = options.mirror else { return url }
    return ManifestFetcher.mirrorURL(for: url, mirror: mirror)
  }

  /// `upstream` with scheme, host and port replaced by `mirror` (whose own path becomes a prefix).
  public static func mirrorURL(for upstream: String, mirror: String) -> String {
    let path = URLComponents(string: upstream)?.percentEncodedPath ?? ""
    var base = mirror
    while base.hasSuffix("/") { base.removeLast() }
    return base + (path.hasPrefix("/") ? path : "/" + path)
  }

  /// The cache file for a digest.
  public func cacheFile(for digest: Digest) -> URL { options.cacheDirectory.appendingPathComponent(digest.hex) }

  /// The bytes of one manifest.
  ///
  /// - Parameter directory: the folder `path:` sources are relative to (the phase file's folder).
  ///
  /// #### Errors
  /// ``PhaseError`` `download` (the server could not be reached or answered an error), `digestMismatch`
  /// (URL, expected and actual hash named; nothing cached), `io` (a path that cannot be read).
  public func fetch(_ source: ManifestSource, relativeTo directory: URL?) async throws(PhaseError) -> FetchedManifest {
    switch source.location {
    case .path(let path, let pin):
      return try await read(path: path, pin: pin, source: source, directory: directory)
    case .url(let url, let pin):
      let cached = cacheFile(for: pin)
      if let bytes = await readCached(cached, pin: pin) {
        return FetchedManifest(source: source, bytes: bytes, digest: pin, origin: .cache(cached))
      }
      guard !options.offline else {
        throw source.source.error(
          .download, "\(url) is not in the manifest cache \(options.cacheDirectory.path) and downloads are off")
      }
      let effective = effectiveURL(for: url)
      try await download(url: url, from: effective, pin: pin, to: cached, source: source)
      guard let bytes = await readCached(cached, pin: pin) else {
        throw source.source.error(.io, "the downloaded manifest \(cached.path) vanished or changed while it was read")
      }
      return FetchedManifest(source: source, bytes: bytes, digest: pin, origin: .downloaded(effective))
    }
  }

  /// The bytes of several manifests, fetched concurrently, in the order given.
  public func fetchAll(_ sources: [ManifestSource], relativeTo directory: URL?) async throws(PhaseError)
    -> [FetchedManifest]
  {
    try await concurrentMap(sources, limit: options.maximumConcurrentDownloads) { source throws(PhaseError) in
      try await self.fetch(source, relativeTo: directory)
    }
  }
}

/// One manifest's bytes and where they came from.
public struct FetchedManifest: Sendable {
  public enum Origin: Sendable, Equatable {
    /// The cache already held it.
    case cache(URL)
    /// Downloaded (from this URL: the upstream one or the mirror's) and cached.
    case downloaded(String)
    /// Read from a `path:` file.
    case file(URL)
  }

  public let source: ManifestSource
  public let bytes: [UInt8]
  public let digest: Digest
  public let origin: Origin
}
