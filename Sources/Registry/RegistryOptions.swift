public import Foundation
public import HTTP
public import ServestackCore

/// How to reach and authenticate to one registry.
public struct RegistryOptions: Sendable {
  /// Where credentials come from.
  public enum Credentials: Sendable {
    /// None: anonymous access (token auth still gets anonymous tokens).
    case none
    /// `~/.docker/config.json` (or `DOCKER_CONFIG`/config.json), matched by registry host.
    case dockerConfig
    /// A Docker config file at this path.
    case dockerConfigFile(URL)
    /// An explicit user and password (`--registry-user`, password on stdin).
    case explicit(username: String, password: Secret)
  }

  public var credentials: Credentials = .dockerConfig
  /// Trust only this CA (PEM) for the registry's certificate.
  public var caCertificate: PEMSource?
  /// Talk plain HTTP. Only when asked: servestack never falls back from https to http by itself.
  public var plainHTTP = false
  /// Skip certificate verification (`--registry-insecure`); prefer ``caCertificate``.
  public var insecureSkipTLSVerify = false
  public var retry = RetryPolicy.default
  public var proxy = ProxyConfiguration.environment
  /// Upload blobs larger than this in PATCH chunks of this size; smaller ones in one PUT.
  public var chunkSize: Int64 = 64 << 20
  /// Blobs up to this size are uploaded with POST then PUT (monolithic); larger ones chunked.
  public var monolithicLimit: Int64 = 64 << 20

  public init(
    credentials: Credentials = .dockerConfig, caCertificate: PEMSource? = nil, plainHTTP: Bool = false,
    retry: RetryPolicy = .default
  ) {
    self.credentials = credentials
    self.caCertificate = caCertificate
    self.plainHTTP = plainHTTP
    self.retry = retry
  }
}

/// A user name and password for one registry (never printed).
public struct RegistryCredential: Sendable, Equatable, CustomStringConvertible {
  public var username: String
  public var password: Secret

  public init(username: String, password: Secret) {
    self.username = username
    self.password = password
  }

  public var description: String { "\(username):<redacted>" }
}
