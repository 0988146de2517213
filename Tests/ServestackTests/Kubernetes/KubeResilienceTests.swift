import Foundation
import HTTP
import Kubernetes
import ServestackCore
import Synchronization
import TestSupport
import Testing

/// applyMany through a proxy that drops, delays and throttles: it completes, and nothing is applied twice
/// in a way that changes it.
@Suite("Kubernetes resilience")
struct KubeResilienceTests {
  @Test(
    "100 objects through drops, delays, 429 and 503: all applied, none written twice",
    arguments: KubeBackendKind.allCases)
  func applyThroughFaults(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.client()
    let proxy = try await FaultProxy(
      in: backend, seed: 42, drop: 0.04, dropAfter: 0.06, delay: 0.05, r429: 0.05, r503: 0.05)
    var options = KubeClientOptions()
    options.retry = RetryPolicy(
      maxAttempts: 10, initialBackoff: .milliseconds(50), maxBackoff: .seconds(1),
      retryableStatuses: [429, 500, 503, 504])
    let proxied = try proxy.client(options: options)
    try await backend.withNamespace(admin) { namespace in
      let watch = KubeWatchTests.Collector(admin.watch(Kube.configMap, namespace: namespace))
      let objects = (0..<100).map { Kube.configMap("cm-\($0)", namespace: namespace, data: ["n": "\($0)"]) }
      let result = await proxied.applyMany(objects)
      #expect(result.succeeded, "\(result.failures.prefix(3))")
      #expect(result.created == 100, "\(result)")
      #expect(await watch.waitFor("cm-99"))
      try await Task.sleep(for: .milliseconds(500))
      #expect(watch.modified == [], "an object was changed by a repeated apply")
      #expect(watch.added.filter { $0.hasPrefix("cm-") }.count == 100)
      let list = try await admin.list(Kube.configMap, namespace: namespace, options: ListOptions(labelSelector: nil))
      let live = Dictionary(
        uniqueKeysWithValues: list.items.compactMap { item in item.name.map { ($0, item.resourceVersion) } })
      for outcome in result.results {
        let name = try #require(outcome.reference?.name)
        #expect(
          live[name] == outcome.object?.resourceVersion, "\(name): the RV after applyMany is the RV it was created with"
        )
      }
      let stats = try await proxy.control(.get, "/__proxy/stats")
      for fault in ["drop", "drop-after", "429", "503"] {
        #expect((stats[fault]?.intValue ?? 0) > 0, "the proxy injected no \(fault): \(stats)")
      }
    }
    proxy.stop()
  }
}
