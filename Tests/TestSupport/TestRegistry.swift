public import Foundation

/// A real `docker-registry` (Debian's distribution v2.8) on 127.0.0.1 for one test, with its own config,
/// storage folder and `http.secret`; optionally TLS from a ``TestCertificates`` CA and bcrypt htpasswd
/// auth. Stopped by its PID in ``stop()`` or when the value dies.
public final class TestRegistry: @unchecked Sendable {
  // @unchecked Sendable: every stored property is immutable after init; `process` is itself thread-safe.
  public let port: Int
  public let directory: TemporaryDirectory
  public let process: ChildProcess
  public let certificates: TestCertificates?
  public let username: String?
  public let password: String?

  /// `127.0.0.1:PORT`.
  public var host: String { "127.0.0.1:\(port)" }
  public var storage: URL { directory.file("data") }

  /// Whether `docker-registry` is installed (CI installs it; see .ci/run).
  public static var isAvailable: Bool { TestEnvironment.which("docker-registry") != nil }
  public static let unavailableReason = "needs Debian's docker-registry (apt-get install docker-registry); skipped"

  /// Token auth settings: the registry sends clients to `realm` and trusts tokens signed by the key of
  /// `rootCertificateBundle`.
  public struct TokenAuth: Sendable {
    public var realm: String
    public var service: String
    public var issuer: String
    public var rootCertificateBundle: URL

    public init(realm: String, service: String, issuer: String, rootCertificateBundle: URL) {
      self.realm = realm
      self.service = service
      self.issuer = issuer
      self.rootCertificateBundle = rootCertificateBundle
    }
  }

  /// Starts a registry; `tls` serves https with a fresh CA, `user`/`password` turn on htpasswd auth,
  /// `token` turns on token auth instead.
  /// Starts a registry whose storage, configuration and log live in a new folder under `base`; `accessLog`
  /// off keeps the log quiet where every request would cost (the benchmarks).
  public init(
    tls: Bool = false, user: String? = nil, password: String? = nil, token: TokenAuth? = nil,
    in base: URL = FileManager.default.temporaryDirectory, accessLog: Bool = true
  ) throws {
    directory = try TemporaryDirectory(prefix: "servestack-registry", in: base)
    port = Loopback.freePort()
    username = user
    self.password = password
    var config = """
      version: 0.1
      log:
        level: \(accessLog ? "info" : "warn")
        accesslog:
          disabled: \(!accessLog)
      storage:
        filesystem:
          rootdirectory: \(directory.path)/data
        delete:
          enabled: true
        maintenance:
          uploadpurging:
            enabled: false
      http:
        addr: 127.0.0.1:\(port)
        secret: servestack-test-\(UUID().uuidString.prefix(8))

      """
    if tls {
      let certs = try TestCertificates.make(in: directory.file("certs"))
      certificates = certs
      config += """
          tls:
            certificate: \(certs.serverCertificate.path)
            key: \(certs.serverKey.path)

        """
    } else {
      certificates = nil
    }
    if let token {
      config += """
        auth:
          token:
            realm: \(token.realm)
            service: \(token.service)
            issuer: \(token.issuer)
            rootcertbundle: \(token.rootCertificateBundle.path)

        """
    } else if let user, let password {
      // bcrypt (-B): registry v2.8 refuses MD5 ($apr1$) entries.
      let entry = try Shell.check("htpasswd", ["-Bbn", user, password])
      try directory.write("htpasswd", entry)
      config += """
        auth:
          htpasswd:
            realm: servestack-test
            path: \(directory.path)/htpasswd

        """
    }
    let configFile = try directory.write("config.yml", config)
    process = try ChildProcess(
      "/usr/bin/docker-registry", ["serve", configFile.path], logFile: directory.file("registry.log"))
    try Loopback.waitForPort(port, process: process)
  }

  /// The registry's log (access log included).
  public var log: String { (try? String(contentsOf: process.logFile, encoding: .utf8)) ?? "" }

  /// Whether the log shows `text` within `timeout` (access-log lines are written just after responses).
  public func logEventuallyContains(_ text: String, timeout: TimeInterval = 3) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
      if log.contains(text) { return true }
      usleep(50_000)
    } while Date() < deadline
    return false
  }

  /// How many requests the access log shows with `method` on a path containing `pathPart`.
  public func requestCount(method: String, pathContaining pathPart: String) -> Int {
    log.split(separator: "\n").filter { line in
      line.contains("\"\(method) ") && line.contains(pathPart) && line.contains("HTTP/")
    }.count
  }

  /// Where the registry keeps the bytes of blob `hex` (sha256).
  public func blobDataFile(hex: String) -> URL {
    storage.appendingPathComponent("docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data")
  }

  public func stop() { process.stop() }

  deinit { process.stop(grace: 2) }
}
