public import Foundation
import HTTP

/// A process a test started (a Python server, a registry). It is stopped by its PID, never by name, when
/// ``stop()`` is called or the value dies. Output goes to a log file whose tail is shown on failures.
///
/// Spawned with `posix_spawn` and an EMPTY signal mask: the test runner's threads block most signals, and a
/// child started with Foundation's `Process` inherits that mask and would ignore SIGTERM.
public final class ChildProcess: @unchecked Sendable {
  // @unchecked Sendable: `exited`/`status` are only read or written with `lock` held.
  private let lock = NSLock()
  private var exited = false
  private var status: Int32 = 0
  public let pid: pid_t
  public let logFile: URL

  /// Starts `executable` (a path, or a name looked up on PATH) with `arguments`; stdout and stderr go to
  /// `logFile` (a temporary file by default), stderr to `errorFile` instead when one is given, and stdin
  /// reads `inputFile` (else /dev/null).
  public init(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil, logFile: URL? = nil, errorFile: URL? = nil, inputFile: URL? = nil
  ) throws {
    let path = executable.hasPrefix("/") ? executable : (TestEnvironment.which(executable) ?? executable)
    self.logFile =
      logFile
      ?? FileManager.default.temporaryDirectory.appendingPathComponent(
        "servestack-child-\(UUID().uuidString.prefix(8)).log")
    var env = ProcessInfo.processInfo.environment
    if let environment { env.merge(environment) { _, new in new } }
    // Tests reach only this machine: fence the test process and every servestack it starts.
    LoopbackFence.enable()
    env[LoopbackFence.environmentVariable] = "1"

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inputFile?.path ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, self.logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if let errorFile {
      posix_spawn_file_actions_addopen(&actions, 2, errorFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    } else {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    Self.closeInheritedDescriptors(&actions)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    // posix_spawn_file_actions_addchdir_np is not visible from Swift's Glibc; a shell changes directory.
    let command =
      currentDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0.path, path] + arguments }
      ?? [path] + arguments
    let argv = command.map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var child: pid_t = 0
    let result = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
    guard result == 0 else {
      throw TestSetupError("cannot start \(path): \(String(cString: strerror(result)))")
    }
    pid = child
  }

  /// Servers started here live for the whole test run: if they inherited the write end of a pipe another
  /// thread opened for a short command (Shell.run), that command's reader would never see EOF and hang.
  private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    // glibc ≥ 2.34 has posix_spawn_file_actions_addclosefrom_np, but Swift's Glibc module does not show it.
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
      let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
      if closeFrom(&actions, 3) == 0 { return }
    }
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in open.compactMap(Int32.init) where fd > 2 {
      posix_spawn_file_actions_addclose(&actions, fd)
    }
  }

  public var isRunning: Bool {
    lock.withLock { reap(options: WNOHANG) }
    return lock.withLock { !exited }
  }

  /// The exit status once the process has ended (after ``stop()`` or when ``isRunning`` is false).
  public var exitStatus: Int32? { lock.withLock { exited ? status : nil } }

  /// Must be called with `lock` held.
  private func reap(options: Int32) {
    guard !exited else { return }
    var raw: Int32 = 0
    if waitpid(pid, &raw, options) == pid {
      exited = true
      status = raw
    }
  }

  /// Waits until the process ends (blocking this thread) and returns its exit code, or 128 + the signal
  /// that ended it, as a shell reports it.
  @discardableResult
  public func waitForExit() -> Int32 {
    lock.withLock { reap(options: 0) }
    let raw = lock.withLock { status }
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
  }

  /// The last `lines` lines of the process's output.
  public func logTail(_ lines: Int = 30) -> String {
    let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
  }

  /// Sends SIGTERM, then SIGKILL after `grace` seconds, to this process only, and reaps it.
  public func stop(grace: TimeInterval = 5) {
    lock.lock()
    defer { lock.unlock() }
    reap(options: WNOHANG)
    guard !exited else { return }
    kill(pid, SIGTERM)
    let deadline = Date().addingTimeInterval(grace)
    while Date() < deadline {
      reap(options: WNOHANG)
      if exited { return }
      usleep(10_000)
    }
    kill(pid, SIGKILL)
    reap(options: 0)
  }

  /// Sends a signal (e.g. SIGKILL to simulate a crash) without waiting.
  public func signal(_ signal: Int32) { kill(pid, signal) }

  deinit { stop(grace: 2) }
}
