import Foundation
import HTTP
import Kubernetes
import ServestackCore
import Synchronization
import TestSupport
import Testing

/// Watches that survive dropped connections and expired resourceVersions.
///
/// Serialized: the 410 test shrinks the shared fake's watch history, which would turn the reconnect
/// test's resume into a relist if both ran at once.
@Suite("Kubernetes watch", .serialized)
struct KubeWatchTests {
  /// Collects the names seen in ADDED/MODIFIED events and the relists of a watch, in a background task.
  final class Collector: Sendable {
    final class Seen: Sendable {
      let added = Mutex<[String]>([])
      let modified = Mutex<[String]>([])
      let relists = Mutex(0)
    }
    private let seen = Seen()
    private let task: Task<Void, Never>

    init(_ events: AsyncThrowingStream<WatchEvent, any Error>) {
      let seen = self.seen
      task = Task {
        do {
          for try await event in events {
            switch event {
            case .added(let object): seen.added.withLock { $0.append(object.name ?? "?") }
            case .modified(let object): seen.modified.withLock { $0.append(object.name ?? "?") }
            case .relisted: seen.relists.withLock { $0 += 1 }
            default: break
            }
          }
        } catch {}
      }
    }

    var added: [String] { seen.added.withLock { $0 } }
    var modified: [String] { seen.modified.withLock { $0 } }
    var relists: Int { seen.relists.withLock { $0 } }

    func waitFor(_ name: String, timeout: Duration = .seconds(15)) async -> Bool {
      let deadline = ContinuousClock.now + timeout
      while ContinuousClock.now < deadline {
        if added.contains(name) { return true }
        try? await Task.sleep(for: .milliseconds(50))
      }
      return false
    }

    deinit { task.cancel() }
  }

  @Test(
    "a watch reconnects from its last resourceVersion after the connection drops", arguments: KubeBackendKind.allCases)
  func reconnectAfterDrop(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.client()
    let proxy = try await FaultProxy(in: backend)
    let proxied = try proxy.client()
    try await backend.withNamespace(admin) { namespace in
      let watch = Collector(proxied.watch(Kube.configMap, namespace: namespace))
      _ = try await admin.apply(Kube.configMap("before", namespace: namespace))
      #expect(await watch.waitFor("before"))
      let dropped = try await proxy.control(.post, "/__proxy/drop-all")
      #expect((dropped["dropped"]?.intValue ?? 0) >= 1, "the watch connection was open through the proxy")
      _ = try await admin.apply(Kube.configMap("after", namespace: namespace))
      #expect(await watch.waitFor("after"), "the event after the drop arrived on a new connection")
      #expect(watch.added.filter { $0 == "before" }.count == 1, "no replay of what was already seen")
      #expect(watch.relists == 0)
    }
    proxy.stop()
  }

  @Test(
    "410 Gone: a watch from an expired resourceVersion lists again and reports what exists",
    arguments: KubeBackendKind.allCases)
  func goneRelists(_ kind: KubeBackendKind) async throws {
    if kind == .real {
      try KubeTestBackend.skip(
        kind, "v1.20 replays any resourceVersion etcd has not compacted, so no 410 can be provoked; skipped")
    }
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      _ = try await client.apply(Kube.configMap("old", namespace: namespace))
      let start = try await client.list(Kube.configMap, namespace: namespace).resourceVersion
      let config = try await backend.fakeControl(.get, "/fake/config")
      _ = try await backend.fakeControl(.patch, "/fake/config", ["watchHistorySize": 10])
      for index in 0..<25 { _ = try await client.apply(Kube.configMap("churn-\(index)", namespace: namespace)) }
      let watch = Collector(
        client.watch(Kube.configMap, namespace: namespace, options: WatchOptions(resourceVersion: start)))
      let sawLast = await watch.waitFor("churn-24")
      _ = try await backend.fakeControl(
        .patch, "/fake/config", ["watchHistorySize": config["watchHistorySize"] ?? 1000])
      #expect(sawLast)
      #expect(watch.relists == 1)
      #expect(Set(watch.added).isSuperset(of: ["old", "churn-0", "churn-24"]))
      _ = try await client.apply(Kube.configMap("fresh", namespace: namespace))
      #expect(await watch.waitFor("fresh"), "the watch goes on after the relist")
    }
  }
}
