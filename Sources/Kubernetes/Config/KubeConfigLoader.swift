public import Foundation
import HTTP
import ServestackCore

/// Where to look for cluster credentials, as kubectl's global flags say it.
public struct KubeConfigOptions: Sendable {
  /// `--kubeconfig`: this one file, which must exist.
  public var kubeconfig: String?
  /// `--context`: instead of the files' current-context.
  public var context: String?
  /// `--namespace`: overrides the context's namespace.
  public var namespace: String?
  /// The environment to read `KUBECONFIG`, `HOME` and `KUBERNETES_SERVICE_HOST/PORT` from.
  public var environment: [String: String]
  /// The service-account folder of in-cluster config (injectable for tests).
  public var inClusterRoot: String
  /// Fall back to in-cluster config when no kubeconfig file exists.
  public var allowInCluster: Bool

  public init(
    kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    inClusterRoot: String = "/var/run/secrets/kubernetes.io/serviceaccount", allowInCluster: Bool = true
  ) {
    self.kubeconfig = kubeconfig
    self.context = context
    self.namespace = namespace
    self.environment = environment
    self.inClusterRoot = inClusterRoot
    self.allowInCluster = allowInCluster
  }
}

/// Resolves kubeconfig files (or the in-cluster service account) into a ``ClusterConnection``, the way
/// kubectl does: `--kubeconfig`, else every file of `KUBECONFIG` merged in order (missing ones skipped),
/// else `~/.kube/config`, else in-cluster config.
public enum KubeConfigLoader {
  /// Loads the connection for `options`.
  ///
  /// #### Errors
  /// ``KubeError/Code/badConfig`` naming the file, the field and the problem (`~/.kube/config:
  /// users[0].user.client-key-data: not valid base64`), an unknown context with the available ones, or no
  /// configuration at all with what was tried.
  public static func load(_ options: KubeConfigOptions = KubeConfigOptions()) throws(KubeError) -> ClusterConnection {
    let home = options.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
    var tried: [String] = []
    var paths: [String] = []
    if let explicit = options.kubeconfig, !explicit.isEmpty {
      guard FileManager.default.fileExists(atPath: explicit) else {
        throw .badConfig("--kubeconfig \(explicit): no such file")
      }
      paths = [explicit]
    } else if let list = options.environment["KUBECONFIG"], !list.isEmpty {
      let entries = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
      var seen = Set<String>()
      for entry in entries where seen.insert(entry).inserted {
        if FileManager.default.fileExists(atPath: entry) { paths.append(entry) }
      }
      tried.append("KUBECONFIG=\(list) (\(paths.isEmpty ? "none of its files exist" : "\(paths.count) file(s)"))")
    } else if let home {
      let path = home + "/.kube/config"
      if FileManager.default.fileExists(atPath: path) {
        paths = [path]
      } else {
        tried.append("~/.kube/config (absent)")
      }
    }

    var merged = MergedKubeConfig()
    for path in paths { try merged.merge(path: path, home: home) }

    if merged.isEmpty && options.context == nil && options.allowInCluster, InCluster.isAvailable(options) {
      return try InCluster.load(options)
    }
    if paths.isEmpty {
      if options.allowInCluster { tried.append("in-cluster config (KUBERNETES_SERVICE_HOST not set)") }
      throw .badConfig(
        "no Kubernetes configuration found; tried \(tried.joined(separator: ", ")). "
          + "Pass --kubeconfig, set KUBECONFIG, or run inside a pod")
    }
    return try resolve(merged, options: options)
  }

  static func resolve(_ config: MergedKubeConfig, options: KubeConfigOptions) throws(KubeError) -> ClusterConnection {
    let files = config.files.joined(separator: ", ")
    let contextName: String
    if let requested = options.context, !requested.isEmpty {
      contextName = requested
    } else if let current = config.currentContext {
      contextName = current
    } else {
      throw .badConfig(
        "\(files): no current-context is set; pass --context (available: \(list(config.contextOrder)))")
    }
    guard let context = config.contexts[contextName] else {
      let which = options.context != nil ? "context" : "current-context"
      throw .badConfig(
        "\(files): \(which) \"\(contextName)\" not found; available contexts: \(list(config.contextOrder))")
    }
    guard let clusterName = try context.string("cluster") else {
      throw .badConfig("\(context.field("cluster")): missing; a context must name a cluster")
    }
    guard let cluster = config.clusters[clusterName] else {
      throw .badConfig(
        "\(context.field("cluster")): cluster \"\(clusterName)\" is not defined; available clusters: "
          + list(config.clusterOrder))
    }
    let userName = try context.string("user")
    var user: MergedKubeConfig.Entry?
    if let userName {
      guard let found = config.users[userName] else {
        throw .badConfig(
          "\(context.field("user")): user \"\(userName)\" is not defined; available users: \(list(config.userOrder))")
      }
      user = found
    }

    var connection = try clusterSettings(cluster)
    connection.contextName = contextName
    connection.clusterName = clusterName
    connection.userName = userName
    let contextNamespace = try context.string("namespace")
    connection.namespace = options.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? contextNamespace ?? "default"
    connection.source = "kubeconfig \(files), context \(contextName)"
    if let user { try applyUser(user, cluster: cluster, to: &connection) }
    return connection
  }

  private static func clusterSettings(_ cluster: MergedKubeConfig.Entry) throws(KubeError) -> ClusterConnection {
    guard let server = try cluster.string("server") else {
      throw .badConfig("\(cluster.field("server")): missing; the cluster needs the apiserver's URL")
    }
    guard let url = URLComponents(string: server), let scheme = url.scheme?.lowercased(),
      scheme == "https" || scheme == "http", url.host?.isEmpty == false
    else {
      throw .badConfig("\(cluster.field("server")): '\(server)' is not an http(s) URL")
    }
    var tls = TLSConfiguration()
    tls.verifyPeer = !(try cluster.bool("insecure-skip-tls-verify"))
    switch try cluster.pem(dataKey: "certificate-authority-data", fileKey: "certificate-authority") {
    case .data(let bytes): tls.certificateAuthority = .data(bytes)
    case .file(let path): tls.certificateAuthority = .file(path)
    case nil: break
    }
    tls.serverName = try cluster.string("tls-server-name")
    var proxy = ProxyConfiguration.environment
    if let proxyURL = try cluster.string("proxy-url") {
      guard let parsed = URLComponents(string: proxyURL), parsed.scheme != nil, parsed.host?.isEmpty == false else {
        throw .badConfig("\(cluster.field("proxy-url")): '\(proxyURL)' is not a URL")
      }
      proxy = .url(proxyURL)
    }
    let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
    return ClusterConnection(server: trimmed, tls: tls, proxy: proxy)
  }

  private static func applyUser(
    _ user: MergedKubeConfig.Entry, cluster: MergedKubeConfig.Entry, to connection: inout ClusterConnection
  ) throws(KubeError) {
    let certificate = try user.pem(dataKey: "client-certificate-data", fileKey: "client-certificate")
    let key = try user.pem(dataKey: "client-key-data", fileKey: "client-key")
    switch (certificate, key) {
    case (nil, nil): break
    case (.some, nil):
      throw .badConfig(
        "\(user.field("client-key")): missing; a client certificate needs its key (client-key or client-key-data)")
    case (nil, .some):
      throw .badConfig("\(user.field("client-certificate")): missing; a client key needs its certificate")
    case (.some(let certificate), .some(let key)):
      connection.tls.clientCertificate = certificate.source
      connection.tls.clientKey = key.source
    }

    if let token = try user.string("token") {
      connection.credentials = .token(Secret(token.trimmingCharacters(in: .whitespacesAndNewlines)))
    } else if let tokenFile = try user.path("tokenFile") {
      guard FileManager.default.isReadableFile(atPath: tokenFile) else {
        throw .badConfig("\(user.field("tokenFile")): cannot read \(tokenFile)")
      }
      connection.credentials = .tokenFile(tokenFile)
    } else if let username = try user.string("username") {
      connection.credentials = .basic(username: username, password: Secret((try user.string("password")) ?? ""))
    } else if let exec = user.body["exec"], !exec.isNull {
      connection.credentials = .exec(try ExecCredentialConfig.parse(exec, user: user))
    } else if let provider = user.body["auth-provider"], !provider.isNull {
      let name = provider["name"]?.stringValue ?? "?"
      throw .badConfig(
        "\(user.field("auth-provider")): the '\(name)' auth provider is not supported (kubectl removed them too); "
          + "use an exec credential plugin (user.exec) instead")
    }

    if let impersonated = try user.string("as") {
      let groups = (user.body["as-groups"]?.arrayValue ?? []).compactMap(\.stringValue)
      connection.impersonate = .init(user: impersonated, groups: groups)
    }
  }

  private static func list(_ names: [String]) -> String {
    names.isEmpty ? "none" : names.map { "\"\($0)\"" }.joined(separator: ", ")
  }
}

extension MergedKubeConfig.Entry.PEMInput {
  var source: PEMSource {
    switch self {
    case .data(let bytes): .data(bytes)
    case .file(let path): .file(path)
    }
  }
}

extension ExecCredentialConfig {
  static func parse(_ exec: JSONValue, user: MergedKubeConfig.Entry) throws(KubeError) -> ExecCredentialConfig {
    let prefix = user.field("exec")
    guard let command = exec["command"]?.stringValue, !command.isEmpty else {
      throw .badConfig("\(prefix).command: missing; an exec plugin needs a command")
    }
    let apiVersion = exec["apiVersion"]?.stringValue ?? ""
    let known = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
    guard known.contains(apiVersion) else {
      throw .badConfig(
        "\(prefix).apiVersion: '\(apiVersion)' is not supported; use client.authentication.k8s.io/v1 or v1beta1")
    }
    var args: [String] = []
    for (index, arg) in (exec["args"]?.arrayValue ?? []).enumerated() {
      guard let text = arg.stringValue else { throw .badConfig("\(prefix).args[\(index)]: expected a string") }
      args.append(text)
    }
    var env: [EnvVar] = []
    for (index, item) in (exec["env"]?.arrayValue ?? []).enumerated() {
      guard let name = item["name"]?.stringValue, !name.isEmpty else {
        throw .badConfig("\(prefix).env[\(index)].name: missing")
      }
      env.append(EnvVar(name: name, value: item["value"]?.stringValue ?? ""))
    }
    let mode = exec["interactiveMode"]?.stringValue
    if apiVersion.hasSuffix("/v1"), mode == nil {
      throw .badConfig(
        "\(prefix).interactiveMode: required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)")
    }
    guard ["Never", "IfAvailable", "Always"].contains(mode ?? "IfAvailable") else {
      throw .badConfig("\(prefix).interactiveMode: '\(mode ?? "")' is not Never, IfAvailable or Always")
    }
    // kubectl resolves only commands that are paths: `./get-token` or `bin/get-token`, not `aws`.
    let resolved = command.contains("/") ? user.resolve(command) : command
    return ExecCredentialConfig(
      command: resolved, args: args, env: env, apiVersion: apiVersion, installHint: exec["installHint"]?.stringValue,
      provideClusterInfo: exec["provideClusterInfo"]?.boolValue ?? false, interactiveMode: mode ?? "IfAvailable",
      origin: "\(user.file): \(user.path) (user \"\(user.name)\")")
  }
}
