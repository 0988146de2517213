import Foundation
import HTTP
import ServestackCore
internal import Subprocess
internal import SystemPackage

/// What an exec credential plugin handed back.
struct ExecCredential: Sendable {
  var token: Secret?
  var clientCertificate: [UInt8]?
  var clientKey: Secret?
  var expiration: Date?
}

/// Runs kubeconfig `user.exec` plugins (client.authentication.k8s.io v1/v1beta1), off the cooperative pool.
enum ExecCredentialPlugin {
  /// Runs the plugin once and parses its ExecCredential.
  ///
  /// #### Errors
  /// ``KubeError/Code/execPlugin`` naming the command: missing, not executable, failed (with its stderr), or
  /// printed no usable credential, or did not finish within `timeout` (then its process group is ended).
  /// The plugin's stdout is never quoted, since it holds the credential.
  /// kubectl has no limit; a plugin that hangs (a login prompt nobody sees) would block every command.
  static let defaultTimeout = Duration.seconds(60)

  static func run(
    _ config: ExecCredentialConfig, connection: ClusterConnection, timeout: Duration = defaultTimeout
  ) async throws(KubeError) -> ExecCredential {
    let who = "exec credential plugin '\(config.command)' (\(config.origin))"
    if config.interactiveMode == "Always" {
      throw KubeError(
        .execPlugin,
        "\(who) needs an interactive terminal (interactiveMode: Always), which servestack does not give plugins; "
          + "log in with the plugin first or set interactiveMode: Never")
    }
    guard let executable = resolve(config.command) else {
      var message = "\(who): command not found"
      message += config.command.contains("/") ? " (\(config.command) does not exist or is not executable)" : " on PATH"
      if let hint = config.installHint, !hint.isEmpty {
        message += ". \(hint.trimmingCharacters(in: .whitespacesAndNewlines))"
      }
      throw KubeError(.execPlugin, message)
    }
    let environment = self.environment(config, connection: connection)
    let result = await runProcess(executable, config.args, environment: environment, timeout: timeout, who: who)
    let (status, stdout, stderr) = try result.get()
    let errorText = String(decoding: stderr.prefix(4000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let detail = errorText.isEmpty ? "" : ": \(errorText)"
    switch status {
    case .exited(0): break
    case .exited(let code): throw KubeError(.execPlugin, "\(who) exited with status \(code)\(detail)")
    case .signaled(let signal): throw KubeError(.execPlugin, "\(who) was killed by signal \(signal)\(detail)")
    }
    return try parse(Data(stdout), config: config, who: who)
  }

  static func parse(_ stdout: Data, config: ExecCredentialConfig, who: String) throws(KubeError) -> ExecCredential {
    guard let json = try? JSONValue(parsing: Array(stdout)), json["kind"]?.stringValue == "ExecCredential" else {
      throw KubeError(.execPlugin, "\(who) did not print an ExecCredential JSON object on stdout")
    }
    let printed = json["apiVersion"]?.stringValue ?? ""
    guard printed == config.apiVersion else {
      throw KubeError(
        .execPlugin,
        "\(who) printed an ExecCredential of apiVersion '\(printed)', but the kubeconfig asks for '\(config.apiVersion)'"
      )
    }
    let status = json["status"] ?? .null
    var credential = ExecCredential()
    if let token = status["token"]?.stringValue, !token.isEmpty { credential.token = Secret(token) }
    let certificate = status["clientCertificateData"]?.stringValue
    let key = status["clientKeyData"]?.stringValue
    if let certificate, !certificate.isEmpty, let key, !key.isEmpty {
      credential.clientCertificate = Array(certificate.utf8)
      credential.clientKey = Secret(key)
    } else if (certificate?.isEmpty == false) != (key?.isEmpty == false) {
      throw KubeError(
        .execPlugin, "\(who) printed only one of clientCertificateData and clientKeyData; both are needed")
    }
    guard credential.token != nil || credential.clientCertificate != nil else {
      throw KubeError(.execPlugin, "\(who) printed an ExecCredential without status.token or a client certificate")
    }
    if let stamp = status["expirationTimestamp"]?.stringValue, !stamp.isEmpty {
      guard let date = parseTimestamp(stamp) else {
        throw KubeError(.execPlugin, "\(who) printed status.expirationTimestamp '\(stamp)', which is not RFC 3339")
      }
      credential.expiration = date
    }
    return credential
  }

  static func parseTimestamp(_ text: String) -> Date? {
    let plain = ISO8601DateFormatter()
    if let date = plain.date(from: text) { return date }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: text)
  }

  private static func resolve(_ command: String) -> String? {
    if command.contains("/") {
      return FileManager.default.isExecutableFile(atPath: command) ? command : nil
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
      let candidate = "\(dir)/\(command)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  private static func environment(_ config: ExecCredentialConfig, connection: ClusterConnection) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for variable in config.env { environment[variable.name] = variable.value }
    var spec: JSONObject = ["interactive": false]
    if config.provideClusterInfo {
      var cluster: JSONObject = ["server": .string(connection.server)]
      if let name = connection.tls.serverName { cluster["tls-server-name"] = .string(name) }
      if !connection.tls.verifyPeer { cluster["insecure-skip-tls-verify"] = true }
      switch connection.tls.certificateAuthority {
      case .data(let bytes): cluster["certificate-authority-data"] = .string(Data(bytes).base64EncodedString())
      case .file(let path):
        if let data = FileManager.default.contents(atPath: path) {
          cluster["certificate-authority-data"] = .string(data.base64EncodedString())
        }
      case nil: break
      }
      spec["cluster"] = .object(cluster)
    }
    let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
    environment["KUBERNETES_EXEC_INFO"] = info.serialized()
    return environment
  }

  /// Runs the plugin in a process group of its own with an empty signal mask and default signal
  /// dispositions (swift-subprocess resets both, whatever servestack inherited), so that ending the group
  /// ends the plugin and whatever it started. Past `timeout`, or when the caller is cancelled, the group
  /// gets SIGTERM and a second later SIGKILL; while it runs, an interrupted servestack kills the group.
  private static func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String], timeout: Duration, who: String
  ) async -> Result<(TerminationStatus, [UInt8], [UInt8]), KubeError> {
    var platform = PlatformOptions()
    platform.processGroupID = 0
    platform.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
    let configuration = Configuration(
      executable: .path(.init(executable)), arguments: Arguments(arguments),
      // Raw `KEY=VALUE` entries, NUL-terminated as swift-subprocess hands them to execve.
      environment: .custom(environment.map { Array("\($0.key)=\($0.value)\0".utf8) }), platformOptions: platform)
    let limit = 1 << 20
    enum Outcome: Sendable {
      case finished(Result<(TerminationStatus, [UInt8], [UInt8]), KubeError>)
      case timedOut
    }
    return await withTaskGroup(of: Outcome.self) { group in
      group.addTask {
        do {
          let result = try await Subprocess.run(
            configuration, input: .none, output: .bytes(limit: limit), error: .bytes(limit: limit)
          ) { execution in
            ChildProcessGroups.add(execution.processIdentifier.value)
          }
          ChildProcessGroups.remove(result.processIdentifier.value)
          return .finished(.success((result.terminationStatus, result.standardOutput, result.standardError)))
        } catch {
          return .finished(.failure(KubeError(.execPlugin, "\(who) could not be run: \(error)")))
        }
      }
      group.addTask {
        try? await Task.sleep(for: timeout)
        return .timedOut
      }
      let first = await group.next() ?? .timedOut
      group.cancelAll()
      switch first {
      case .finished(let result): return result
      case .timedOut:
        _ = await group.next()  // the run task, after its teardown of the plugin's group
        return .failure(
          KubeError(
            .execPlugin,
            "\(who) did not finish within \(timeout) and was stopped; run it by hand to see why "
              + "it hangs (a login prompt, an unreachable identity provider)"))
      }
    }
  }
}
