import Dispatch
import Foundation
import Synchronization

/// The process groups of children that must not outlive servestack (exec credential plugins). When
/// servestack is interrupted (SIGINT, SIGTERM, SIGHUP) it kills each registered group, then dies of the
/// same signal as it would have without this: a child in a group of its own gets no terminal Ctrl-C.
public enum ChildProcessGroups {
  private static let groups = Mutex<Set<Int32>>([])
  private static let sources = Mutex<[any DispatchSourceSignal]>([])
  private static let queue = DispatchQueue(label: "servestack.child-process-groups")

  /// Remembers `group` (a child's PID that leads its own group) until ``remove(_:)``; installs the signal
  /// handlers on first use.
  public static func add(_ group: Int32) {
    installHandlers()
    groups.withLock { _ = $0.insert(group) }
  }

  public static func remove(_ group: Int32) {
    groups.withLock { _ = $0.remove(group) }
  }

  private static func installHandlers() {
    sources.withLock { sources in
      guard sources.isEmpty else { return }
      for signal in [SIGINT, SIGTERM, SIGHUP] {
        // A dispatch source needs the default action off; the handler restores it before re-raising.
        Foundation.signal(signal, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
        source.setEventHandler { end(dyingOf: signal) }
        source.resume()
        sources.append(source)
      }
    }
  }

  private static func end(dyingOf signal: Int32) {
    for group in groups.withLock({ $0 }) { kill(-group, SIGKILL) }
    Foundation.signal(signal, SIG_DFL)
    kill(getpid(), signal)
  }
}
