public import Foundation

/// Runs a short command to completion (openssl, python, kubectl) and returns its output.
public enum Shell {
  public struct Output: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
  }

  /// Runs `executable` (a path, or a name looked up on PATH) and waits for it.
  ///
  /// Started as ``ChildProcess`` starts its servers (an empty signal mask, no inherited descriptors), with
  /// its output in files rather than pipes: a server the command leaves running cannot hold a pipe open
  /// and make this wait forever, and a child can be stopped with SIGTERM.
  @discardableResult
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    input: String? = nil, currentDirectory: URL? = nil
  ) throws -> Output {
    let directory = try TemporaryDirectory(prefix: "servestack-shell")
    defer { directory.remove() }
    let inputFile = try input.map { try directory.write("stdin", $0) }
    let process = try ChildProcess(
      executable, arguments, environment: environment, currentDirectory: currentDirectory,
      logFile: directory.file("stdout"), errorFile: directory.file("stderr"), inputFile: inputFile)
    let status = process.waitForExit()
    let read = { (name: String) in
      String(decoding: (try? Data(contentsOf: directory.file(name))) ?? Data(), as: UTF8.self)
    }
    return Output(status: status, stdout: read("stdout"), stderr: read("stderr"))
  }

  /// Runs a command and throws with its stderr when it exits non-zero.
  @discardableResult
  public static func check(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    currentDirectory: URL? = nil
  ) throws -> String {
    let output = try run(
      executable, arguments, environment: environment, input: input, currentDirectory: currentDirectory)
    guard output.status == 0 else {
      throw TestSetupError(
        "\(executable) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
    }
    return output.stdout
  }
}
