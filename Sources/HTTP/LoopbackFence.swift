import Foundation
import Synchronization

/// A process-wide limit of every ``HTTPClient`` to loopback addresses (127.0.0.0/8, ::1), checked on each
/// socket before it connects, so that no request leaves the machine whatever address a cluster reports.
///
/// The test harness turns it on (``enable()`` in the test process, `SERVESTACK_LOOPBACK_ONLY=1` for the
/// binaries it runs): a fake cluster's node address must never send a test's requests elsewhere.
public enum LoopbackFence {
  /// The environment variable that turns the fence on in a process that is started with it.
  public static let environmentVariable = "SERVESTACK_LOOPBACK_ONLY"

  private static let enabled = Atomic<Bool>(false)
  private static let fromEnvironment: Bool = {
    guard let value = ProcessInfo.processInfo.environment[environmentVariable] else { return false }
    return !value.isEmpty && value != "0"
  }()

  /// Turns the fence on for the rest of the process; there is no way back.
  public static func enable() { enabled.store(true, ordering: .releasing) }

  public static var isEnabled: Bool { fromEnvironment || enabled.load(ordering: .acquiring) }
}
