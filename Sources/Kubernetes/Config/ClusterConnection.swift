public import HTTP
public import ServestackCore

/// Everything needed to talk to one cluster as one user: what `KubeConfigLoader` resolves a kubeconfig
/// context (or the in-cluster service account) into.
public struct ClusterConnection: Sendable {
  /// The apiserver's base URL (`https://10.0.0.1:6443`, possibly with a path prefix).
  public var server: String
  /// CA, client certificate and key, `insecure-skip-tls-verify`, `tls-server-name`.
  public var tls: TLSConfiguration
  public var credentials: Credentials
  /// kubeconfig `proxy-url`, else the usual environment variables.
  public var proxy: ProxyConfiguration
  /// The namespace for objects that name none: the context's, else `default`.
  public var namespace: String
  /// kubeconfig `as` / `as-groups`.
  public var impersonate: Impersonation?
  public var contextName: String?
  public var clusterName: String?
  public var userName: String?
  /// Where this came from, for messages: `kubeconfig ~/.kube/config, context prod`, `in-cluster service account`.
  public var source: String

  public init(
    server: String, tls: TLSConfiguration = TLSConfiguration(), credentials: Credentials = .none,
    proxy: ProxyConfiguration = .environment, namespace: String = "default", impersonate: Impersonation? = nil,
    contextName: String? = nil, clusterName: String? = nil, userName: String? = nil, source: String = "explicit"
  ) {
    self.server = server
    self.tls = tls
    self.credentials = credentials
    self.proxy = proxy
    self.namespace = namespace
    self.impersonate = impersonate
    self.contextName = contextName
    self.clusterName = clusterName
    self.userName = userName
    self.source = source
  }

  /// Whether this is the service account of the pod it runs in (no kubeconfig: ``KubeConfigLoader``'s
  /// in-cluster fallback), where cluster-local addresses can be reached.
  public var isInCluster: Bool { source.hasPrefix(Self.inClusterSource) }

  /// The start of ``source`` for the in-cluster service account.
  static let inClusterSource = "in-cluster service account"

  /// How requests authenticate (a client certificate, when there is one, is in ``ClusterConnection/tls``).
  public enum Credentials: Sendable {
    case none
    case token(Secret)
    /// Read from the file when first needed and again after a 401 (bound service-account tokens rotate).
    case tokenFile(String)
    case basic(username: String, password: Secret)
    case exec(ExecCredentialConfig)
  }

  /// Acting as another user (kubeconfig `as`, `as-groups`).
  public struct Impersonation: Sendable, Equatable {
    public var user: String
    public var groups: [String]
    public init(user: String, groups: [String] = []) {
      self.user = user
      self.groups = groups
    }
  }
}

/// A kubeconfig `user.exec` credential plugin (client.authentication.k8s.io v1 or v1beta1).
public struct ExecCredentialConfig: Sendable, Equatable {
  /// The command as written, resolved against the kubeconfig's folder when it is a relative path with a `/`.
  public var command: String
  public var args: [String]
  /// Extra environment variables, in order.
  public var env: [EnvVar]
  /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
  public var apiVersion: String
  public var installHint: String?
  public var provideClusterInfo: Bool
  /// `Never`, `IfAvailable` or `Always`. servestack never hands its terminal to a plugin, so `Always` fails.
  public var interactiveMode: String
  /// Where the kubeconfig entry was defined, for messages (`~/.kube/config: users[1]`).
  public var origin: String

  public struct EnvVar: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public init(
    command: String, args: [String] = [], env: [EnvVar] = [], apiVersion: String = "client.authentication.k8s.io/v1",
    installHint: String? = nil, provideClusterInfo: Bool = false, interactiveMode: String = "Never",
    origin: String = "exec plugin"
  ) {
    self.command = command
    self.args = args
    self.env = env
    self.apiVersion = apiVersion
    self.installHint = installHint
    self.provideClusterInfo = provideClusterInfo
    self.interactiveMode = interactiveMode
    self.origin = origin
  }
}
