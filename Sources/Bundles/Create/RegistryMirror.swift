import Foundation
import Registry
import ServestackCore
import Synchronization

/// Where to pull an upstream registry's images from instead (`--registry-mirror docker.io=http://127.0.0.1:5001`):
/// a site's pull-through mirror, or a local registry in tests and benchmarks. The image is recorded under
/// its upstream name; only the bytes come from the mirror.
public struct RegistryMirror: Sendable, Equatable {
  /// The upstream registry, normalised (`docker.io`, `gcr.io`, `registry.k8s.io`).
  public var upstream: String
  /// `host[:port]` of the mirror.
  public var host: String
  /// A repository prefix on the mirror (`/dockerhub` in `http://mirror:5000/dockerhub`), or empty.
  public var prefix: String
  public var plainHTTP: Bool

  public init(upstream: String, host: String, prefix: String = "", plainHTTP: Bool = false) {
    self.upstream = upstream
    self.host = host
    self.prefix = prefix
    self.plainHTTP = plainHTTP
  }

  /// Parses `UPSTREAM=URL` (`docker.io=http://127.0.0.1:5001`, `gcr.io=https://mirror.example/gcr`).
  ///
  /// #### Errors
  /// ``BundleError`` `.usage` naming what is wrong.
  public init(parsing text: String) throws(BundleError) {
    guard let equals = text.firstIndex(of: "=") else {
      throw BundleError(
        .usage, "--registry-mirror \(text): expected UPSTREAM=URL, e.g. docker.io=http://127.0.0.1:5001")
    }
    let upstreamText = String(text[..<equals])
    let urlText = String(text[text.index(after: equals)...])
    guard let upstreamReference = try? ImageReference(registry: upstreamText, repository: "probe") else {
      throw BundleError(.usage, "--registry-mirror \(text): '\(upstreamText)' is not a registry host")
    }
    guard let components = URLComponents(string: urlText), let scheme = components.scheme?.lowercased(),
      scheme == "http" || scheme == "https", let hostName = components.host, !hostName.isEmpty
    else {
      throw BundleError(.usage, "--registry-mirror \(text): '\(urlText)' is not an http:// or https:// URL")
    }
    let host = components.port.map { "\(hostName):\($0)" } ?? hostName
    var prefix = components.path
    while prefix.hasPrefix("/") { prefix.removeFirst() }
    while prefix.hasSuffix("/") { prefix.removeLast() }
    guard (try? ImageReference(registry: host, repository: prefix.isEmpty ? "probe" : prefix)) != nil else {
      throw BundleError(
        .usage, "--registry-mirror \(text): '\(host)/\(prefix)' is not a registry host and repository prefix")
    }
    self.init(upstream: upstreamReference.registry, host: host, prefix: prefix, plainHTTP: scheme == "http")
  }

  /// Where `reference` is pulled from on this mirror.
  func pullReference(for reference: ImageReference) throws(BundleError) -> ImageReference {
    do {
      return try reference.rewritten(toRegistry: prefix.isEmpty ? host : "\(host)/\(prefix)")
    } catch {
      throw BundleError(.usage, "cannot map \(reference) to mirror \(host)/\(prefix): \(error.problem)")
    }
  }
}

/// One ``RegistryClient`` per registry host, made on first use and shared by every pull from it.
final class RegistryClients: Sendable {
  private let clients = Mutex([String: RegistryClient]())
  let options: RegistryOptions
  let mirrors: [RegistryMirror]

  init(options: RegistryOptions, mirrors: [RegistryMirror]) {
    self.options = options
    self.mirrors = mirrors
  }

  /// The client and the reference to pull for `reference`, through its mirror when one is configured.
  func source(for reference: ImageReference) throws(BundleError) -> (client: RegistryClient, pull: ImageReference) {
    if let mirror = mirrors.first(where: { $0.upstream == reference.registry }) {
      let pull = try mirror.pullReference(for: reference)
      return (try client(host: mirror.host, plainHTTP: mirror.plainHTTP), pull)
    }
    return (try client(host: reference.registry, plainHTTP: options.plainHTTP), reference)
  }

  func client(host: String, plainHTTP: Bool) throws(BundleError) -> RegistryClient {
    let key = "\(plainHTTP ? "http" : "https")://\(host)"
    let result: Result<RegistryClient, RegistryError> = clients.withLock { clients in
      if let existing = clients[key] { return .success(existing) }
      var options = self.options
      options.plainHTTP = plainHTTP
      do throws(RegistryError) {
        let made = try RegistryClient(host: host, options: options)
        clients[key] = made
        return .success(made)
      } catch {
        return .failure(error)
      }
    }
    do {
      return try result.get()
    } catch {
      throw BundleError(.registry, "cannot set up a client for registry \(host): \(error.message)", cause: error)
    }
  }
}
