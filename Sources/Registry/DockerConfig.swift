public import Foundation
import ServestackCore

/// The `auths` of a Docker client configuration (`~/.docker/config.json`).
///
/// Entries hold base64 `auth` (`user:password`) or `username` and `password`. Keys are matched by host:
/// `https://127.0.0.1:5000/v1/`, `127.0.0.1:5000` and `http://127.0.0.1:5000` all name the same registry,
/// and Docker Hub is stored as `https://index.docker.io/v1/`. Credential helpers (`credsStore`) are not run.
public struct DockerConfig: Sendable {
  public private(set) var credentialsByHost: [String: RegistryCredential] = [:]

  /// The default file: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json` (the passwd home only
  /// without `HOME`), as docker looks it up and as the kubeconfig lookup honours `$HOME`.
  public static var defaultPath: URL { defaultPath(environment: ProcessInfo.processInfo.environment) }

  public static func defaultPath(environment: [String: String]) -> URL {
    if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty {
      return URL(fileURLWithPath: dir).appendingPathComponent("config.json")
    }
    let home =
      environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser
    return home.appendingPathComponent(".docker/config.json")
  }

  public init() {}

  /// Reads `url`; a missing file gives an empty configuration.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.invalidArgument`) for a file that exists but is not valid JSON or holds a
  /// malformed `auth` entry (its value is not shown).
  public init(contentsOf url: URL) throws(RegistryError) {
    guard FileManager.default.fileExists(atPath: url.path) else { return }
    let json: JSONValue
    do {
      let data = try Data(contentsOf: url)
      json = try JSONValue(parsing: Array(data))
    } catch {
      throw RegistryError(
        .invalidArgument, "cannot read the Docker config \(url.path): \(error); fix or remove the file",
        cause: error)
    }
    for (key, entry) in json["auths"]?.objectValue ?? [:] {
      guard let host = Self.host(ofKey: key) else { continue }
      if let auth = entry["auth"]?.stringValue, !auth.isEmpty {
        guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
          let colon = decoded.firstIndex(of: ":")
        else {
          throw RegistryError(
            .invalidArgument,
            "the Docker config \(url.path) has a malformed auth entry for \(key) (expected base64 of user:password)")
        }
        credentialsByHost[host] = RegistryCredential(
          username: String(decoded[..<colon]), password: Secret(String(decoded[decoded.index(after: colon)...])))
      } else if let username = entry["username"]?.stringValue, let password = entry["password"]?.stringValue {
        credentialsByHost[host] = RegistryCredential(username: username, password: Secret(password))
      }
    }
  }

  /// The credentials for a registry host (`docker.io` also finds Docker Hub's legacy key).
  public func credential(forRegistry registry: String) -> RegistryCredential? {
    if let found = credentialsByHost[registry] { return found }
    if registry == ImageReference.dockerHub {
      for alias in ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"] {
        if let found = credentialsByHost[alias] { return found }
      }
    }
    return nil
  }

  /// `https://index.docker.io/v1/` → `index.docker.io`; `127.0.0.1:5000` stays.
  static func host(ofKey key: String) -> String? {
    var text = Substring(key)
    if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
    if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
    return text.isEmpty ? nil : String(text)
  }
}
