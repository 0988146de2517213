public import Foundation
import HTTP

/// Runs a short command to completion (openssl, python, kubectl) and returns its output.
public enum Shell {
  public struct Output: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
  }

  /// Runs `executable` (a path, or a name looked up on PATH) and waits for it.
  @discardableResult
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    input: String? = nil, currentDirectory: URL? = nil
  ) throws -> Output {
    let process = Process()
    let path = executable.hasPrefix("/") ? executable : (TestEnvironment.which(executable) ?? executable)
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    // Tests reach only this machine: fence the test process and every servestack it starts.
    LoopbackFence.enable()
    process.environment = ProcessInfo.processInfo.environment.merging(
      (environment ?? [:]).merging([LoopbackFence.environmentVariable: "1"]) { given, _ in given }) { _, new in new }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    // Read both pipes concurrently so that a chatty child cannot block on a full pipe.
    let errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData.set(err.fileHandleForReading.readDataToEndOfFile())
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.get(), as: UTF8.self))
  }

  /// Runs a command and throws with its stderr when it exits non-zero.
  @discardableResult
  public static func check(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    currentDirectory: URL? = nil
  ) throws -> String {
    let output = try run(executable, arguments, environment: environment, input: input, currentDirectory: currentDirectory)
    guard output.status == 0 else {
      throw TestSetupError("\(executable) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
    }
    return output.stdout
  }
}

private final class LockedData: @unchecked Sendable {
  // @unchecked Sendable: `data` is only touched with `lock` held.
  private let lock = NSLock()
  private var data = Data()
  func set(_ value: Data) { lock.withLock { data = value } }
  func get() -> Data { lock.withLock { data } }
}
