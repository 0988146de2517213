import Foundation
import HTTP
import ServestackCore

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
  /// printed no usable credential. The plugin's stdout is never quoted, since it holds the credential.
  static func run(_ config: ExecCredentialConfig, connection: ClusterConnection) async throws(KubeError) -> ExecCredential {
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
      if let hint = config.installHint, !hint.isEmpty { message += ". \(hint.trimmingCharacters(in: .whitespacesAndNewlines))" }
      throw KubeError(.execPlugin, message)
    }
    let environment = self.environment(config, connection: connection)
    let result: Result<(Int32, Data, Data), KubeError> = await BlockingExecutor.shared.run {
      runProcess(executable, config.args, environment: environment, who: who)
    }
    let (status, stdout, stderr) = try result.get()
    let errorText = String(decoding: stderr.prefix(4000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard status == 0 else {
      throw KubeError(
        .execPlugin, "\(who) exited with status \(status)" + (errorText.isEmpty ? "" : ": \(errorText)"))
    }
    return try parse(stdout, config: config, who: who)
  }

  static func parse(_ stdout: Data, config: ExecCredentialConfig, who: String) throws(KubeError) -> ExecCredential {
    guard let json = try? JSONValue(parsing: Array(stdout)), json["kind"]?.stringValue == "ExecCredential" else {
      throw KubeError(.execPlugin, "\(who) did not print an ExecCredential JSON object on stdout")
    }
    let printed = json["apiVersion"]?.stringValue ?? ""
    guard printed == config.apiVersion else {
      throw KubeError(
        .execPlugin, "\(who) printed an ExecCredential of apiVersion '\(printed)', but the kubeconfig asks for '\(config.apiVersion)'")
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
      throw KubeError(.execPlugin, "\(who) printed only one of clientCertificateData and clientKeyData; both are needed")
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

  /// Blocking: runs the process to completion, reading both pipes at once so neither can fill up.
  private static func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String], who: String
  ) -> Result<(Int32, Data, Data), KubeError> {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return .failure(KubeError(.execPlugin, "\(who) could not be started: \((error as NSError).localizedDescription)"))
    }
    let errorData = PipeCollector(err.fileHandleForReading)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return .success((process.terminationStatus, outData, errorData.wait()))
  }
}

/// Reads a pipe to its end on its own thread.
private final class PipeCollector: @unchecked Sendable {
  // @unchecked Sendable: `data` is written once by the reader thread before `done` is signalled, and read
  // only after waiting for it.
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    Thread.detachNewThread { [self] in
      data = handle.readDataToEndOfFile()
      done.signal()
    }
  }

  func wait() -> Data {
    done.wait()
    return data
  }
}
