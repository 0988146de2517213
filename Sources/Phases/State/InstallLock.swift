import Foundation
public import Kubernetes
import ServestackCore
import Synchronization

/// The Lease `servestack-install` that keeps two installs (or an install and an uninstall) off one cluster.
///
/// The holder renews it every third of its duration (at most every 10 s). A second install fails at once
/// naming the holder; a lease whose holder missed its renewal deadline (renewTime + leaseDuration < now:
/// the process is gone) is taken over with a warning.
public final class InstallLock: Sendable {
  public static let leaseName = "servestack-install"

  public let client: KubeClient
  public let namespace: String
  public let identity: String
  public let duration: Duration
  private let renewal = Mutex<Task<Void, Never>?>(nil)

  init(client: KubeClient, namespace: String, identity: String, duration: Duration) {
    self.client = client
    self.namespace = namespace
    self.identity = identity
    self.duration = duration
  }

  /// `host/pid/random`.
  public static func makeIdentity() -> String {
    "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8).lowercased())"
  }

  var reference: ObjectReference { ObjectReference(GroupVersionKind.lease, namespace: namespace, name: Self.leaseName) }

  /// Takes the lease and starts renewing it.
  ///
  /// - Returns: the lock, and a warning when a stale lease was taken over.
  ///
  /// #### Errors
  /// ``PhaseError`` `lockHeld` (exit 3) naming the holder and since when; `cluster` when the Lease cannot
  /// be read or written.
  public static func acquire(
    client: KubeClient, namespace: String, duration: Duration, identity: String = makeIdentity()
  ) async throws(PhaseError) -> (lock: InstallLock, warning: String?) {
    let lock = InstallLock(client: client, namespace: namespace, identity: identity, duration: duration)
    let warning = try await lock.take()
    lock.startRenewing()
    return (lock, warning)
  }

  private enum Step {
    case taken(warning: String?)
    case held(String)
    case retry
  }

  private func take() async throws(PhaseError) -> String? {
    for _ in 0..<5 {
      let step: Step
      do throws(KubeError) {
        step = try await attempt(now: Date())
      } catch  where error.code == .conflict || error.code == .alreadyExists {
        continue  // someone else moved first: read again
      } catch {
        throw PhaseError(
          .cluster, "cannot take the install lease \(namespace)/\(Self.leaseName): \(error.message)", cause: error)
      }
      switch step {
      case .taken(let warning): return warning
      case .held(let message): throw PhaseError(.lockHeld, message)
      case .retry: continue
      }
    }
    throw PhaseError(
      .lockHeld, "the install lease \(namespace)/\(Self.leaseName) keeps changing under us; another install is starting"
    )
  }

  private func attempt(now: Date) async throws(KubeError) -> Step {
    guard var lease = try await client.getIfExists(reference) else {
      _ = try await client.create(leaseObject(now: now, transitions: 0))
      return .taken(warning: nil)
    }
    let spec = lease["spec"] ?? .null
    let holder = spec["holderIdentity"]?.stringValue ?? ""
    let transitions = spec["leaseTransitions"]?.intValue ?? 0
    var warning: String?
    if !holder.isEmpty && holder != identity {
      let seconds = spec["leaseDurationSeconds"]?.intValue ?? 30
      let acquired = spec["acquireTime"]?.stringValue.flatMap(Timestamp.parse)
      let renewed = spec["renewTime"]?.stringValue.flatMap(Timestamp.parse) ?? acquired ?? .distantPast
      let since = acquired.map { " since \(Timestamp.format($0))" } ?? ""
      let age = Int(now.timeIntervalSince(renewed).rounded())
      if renewed.addingTimeInterval(TimeInterval(seconds)) > now {
        return .held(
          "another servestack install or uninstall is running: lease \(namespace)/\(Self.leaseName) is held by \(holder)\(since) (renewed \(age)s ago, valid for \(seconds)s); wait for it to finish; if that process is gone, run again after the lease expires (at most \(seconds)s)"
        )
      }
      warning =
        "took over the stale lease \(namespace)/\(Self.leaseName) from \(holder)\(since): it was last renewed \(age)s ago, past its \(seconds)s duration (its process is gone); resuming"
    }
    let fresh = leaseObject(now: now, transitions: holder == identity ? transitions : transitions + 1)
    lease["spec"] = fresh["spec"]
    _ = try await client.update(lease)
    return .taken(warning: warning)
  }

  private func leaseObject(now: Date, transitions: Int) -> KubeObject {
    var object = KubeObject(GroupVersionKind.lease, name: Self.leaseName, namespace: namespace)
    object["spec"] = [
      "holderIdentity": .string(identity), "leaseDurationSeconds": .int(max(1, Int(duration.seconds.rounded()))),
      "acquireTime": .string(Timestamp.format(now)), "renewTime": .string(Timestamp.format(now)),
      "leaseTransitions": .int(transitions),
    ]
    return object
  }

  private func startRenewing() {
    let interval = min(Duration.seconds(10), duration / 3)
    let task = Task { [self] in
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        if Task.isCancelled { break }
        await renew()
      }
    }
    renewal.withLock { $0 = task }
  }

  /// Moves renewTime to now, if we still hold the lease.
  func renew() async {
    for _ in 0..<3 {
      do throws(KubeError) {
        guard var lease = try await client.getIfExists(reference),
          lease[path: "spec", "holderIdentity"]?.stringValue == identity
        else { return }
        lease.json.set(.string(Timestamp.format(Date())), at: ["spec", "renewTime"])
        _ = try await client.update(lease)
        return
      } catch  where error.code == .conflict {
        continue
      } catch {
        return  // the next tick tries again
      }
    }
  }

  /// Stops renewing and gives the lease up (clears the holder), so the next install need not wait.
  public func release() async {
    let task = renewal.withLock { task in
      defer { task = nil }
      return task
    }
    task?.cancel()
    for _ in 0..<3 {
      do throws(KubeError) {
        guard var lease = try await client.getIfExists(reference),
          lease[path: "spec", "holderIdentity"]?.stringValue == identity
        else { return }
        lease.json.remove(at: ["spec", "holderIdentity"])
        lease.json.remove(at: ["spec", "renewTime"])
        _ = try await client.update(lease)
        return
      } catch  where error.code == .conflict {
        continue
      } catch {
        return
      }
    }
  }
}
