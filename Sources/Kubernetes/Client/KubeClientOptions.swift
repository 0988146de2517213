public import HTTP
public import Logging

/// How a ``KubeClient`` talks to the apiserver.
public struct KubeClientOptions: Sendable {
  /// The field manager of server-side apply (`--field-manager`).
  public var fieldManager: String
  /// `servestack`.
  public static let defaultFieldManager = "servestack"
  /// Time limit of one attempt of an ordinary request; watches have none.
  public var requestTimeout: Duration
  /// Retries for reads (GET, LIST, WATCH) and for server-side apply: connection failures and these
  /// statuses. Create, merge patch and delete are retried only when they never reached the server or
  /// got 429 (the apiserver refuses those before doing anything).
  public var retry: RetryPolicy
  /// Connections to the apiserver; with HTTP/2 one carries every request, the others are for HTTP/1.1
  /// servers.
  public var maxConnections: Int
  public var connectTimeout: Duration
  /// Time an exec credential plugin may take; past it the request fails naming the plugin, which is ended.
  public var execPluginTimeout: Duration = ExecCredentialPlugin.defaultTimeout
  public var logger: Logger

  public init(
    fieldManager: String = Self.defaultFieldManager, requestTimeout: Duration = .seconds(30),
    retry: RetryPolicy = KubeClientOptions.defaultRetry, maxConnections: Int = 8,
    connectTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "servestack.kube")
  ) {
    self.fieldManager = fieldManager
    self.requestTimeout = requestTimeout
    self.retry = retry
    self.maxConnections = maxConnections
    self.connectTimeout = connectTimeout
    self.logger = logger
  }

  /// 5 attempts, 200 ms to 10 s apart (or what `Retry-After` says), on 429, 500, 503 and 504.
  public static let defaultRetry = RetryPolicy(
    maxAttempts: 5, initialBackoff: .milliseconds(200), maxBackoff: .seconds(10),
    retryableStatuses: [429, 500, 503, 504])
}
