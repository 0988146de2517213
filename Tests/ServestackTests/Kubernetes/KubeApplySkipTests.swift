import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// A re-apply skips the PATCH of objects whose live state proves it a no-op, and only those: drift, a
/// dropped field and another manager's value are still applied. On both backends.
@Suite("Kubernetes apply: skipping unchanged objects")
struct KubeApplySkipTests {
  static let annotation = "servestack.io/applied-digest"

  /// The sample set, applied once, with the controllers settled.
  static func appliedSample(_ client: KubeClient, namespace: String) async throws -> [KubeObject] {
    let objects = try KubeApplyTests.sampleSet(namespace)
    let first = await client.applyMany(objects, options: ApplyManyOptions(defaultNamespace: namespace))
    try #require(first.succeeded, "\(first.failures)")
    let rollout = await Waiter(client: client).wait(
      for: ObjectReference(Kube.deployment, namespace: namespace, name: "app"), until: .rolledOut, timeout: .seconds(60)
    )
    try #require(rollout.satisfied, "\(rollout)")
    return objects
  }

  @Test(
    "a re-apply of the unchanged set sends no PATCH and reports every object unchanged",
    arguments: KubeBackendKind.allCases)
  func reapplySendsNoPatch(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let objects = try await Self.appliedSample(client, namespace: namespace)
      let live = try await client.get(ObjectReference(Kube.configMap, namespace: namespace, name: "cm-0"))
      #expect(live.annotations[Self.annotation]?.hasPrefix("sha256:") == true)

      let second = await client.applyMany(objects, options: ApplyManyOptions(defaultNamespace: namespace))
      #expect(second.unchanged == objects.count, "\(second.results.map(\.description))")
      // One LIST for the four ConfigMaps, one GET for each other object: fewer requests than objects.
      #expect(second.requests < objects.count, "\(second.requests) requests for \(objects.count) objects")

      let patched = await client.applyMany(
        objects, options: ApplyManyOptions(defaultNamespace: namespace, skipUnchanged: false))
      #expect(patched.succeeded, "\(patched.failures)")
      #expect(patched.requests >= objects.count, "every object is PATCHed when skipping is off")
    }
  }

  @Test("a value another manager changed is applied back", arguments: KubeBackendKind.allCases)
  func driftIsApplied(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let objects = try await Self.appliedSample(client, namespace: namespace)
      let reference = ObjectReference(Kube.configMap, namespace: namespace, name: "cm-1")
      _ = try await client.mergePatch(
        reference, patch: ["data": ["i": "drifted"]], options: WriteOptions(fieldManager: "someone-else"))

      let second = await client.applyMany(objects, options: ApplyManyOptions(defaultNamespace: namespace, force: true))
      #expect(second.succeeded, "\(second.failures)")
      let index = try #require(objects.firstIndex { $0.name == "cm-1" })
      #expect(second.results[index].outcome.label == "configured")
      #expect(second.unchanged == objects.count - 1)
      #expect(try await client.get(reference)[path: "data", "i"]?.stringValue == "1")
    }
  }

  @Test(
    "a field dropped from the configuration is removed even though the live object still holds the rest",
    arguments: KubeBackendKind.allCases)
  func droppedFieldIsRemoved(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let reference = ObjectReference(Kube.configMap, namespace: namespace, name: "two-keys")
      let both = [Kube.configMap("two-keys", namespace: namespace, data: ["a": "1", "b": "2"])]
      let first = await client.applyMany(both)
      #expect(first.created == 1, "\(first.results.map(\.description))")

      let onlyA = [Kube.configMap("two-keys", namespace: namespace, data: ["a": "1"])]
      let second = await client.applyMany(onlyA)
      #expect(second.configured == 1, "\(second.results.map(\.description))")
      let data = try await client.get(reference)[path: "data"]?.objectValue
      #expect(data?.keys.sorted() == ["a"])

      let third = await client.applyMany(onlyA)
      #expect(third.unchanged == 1, "\(third.results.map(\.description))")
    }
  }

  @Test("a digest annotation written by another manager does not count", arguments: KubeBackendKind.allCases)
  func foreignDigestIsNotTrusted(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let desired = [Kube.configMap("copied", namespace: namespace, data: ["k": "v"])]
      let first = await client.applyMany(desired, options: ApplyManyOptions(fieldManager: "first-manager"))
      #expect(first.created == 1, "\(first.results.map(\.description))")

      // Same configuration, same digest on the object, but this manager never applied it: it must apply.
      let second = await client.applyMany(desired, options: ApplyManyOptions(fieldManager: "second-manager"))
      #expect(second.succeeded, "\(second.failures)")
      let live = try await client.get(ObjectReference(Kube.configMap, namespace: namespace, name: "copied"))
      let managers = (live[path: "metadata", "managedFields"]?.arrayValue ?? []).compactMap {
        $0["manager"]?.stringValue
      }
      #expect(managers.contains("second-manager"), "\(managers)")

      let third = await client.applyMany(desired, options: ApplyManyOptions(fieldManager: "second-manager"))
      #expect(third.unchanged == 1)
      #expect(third.requests == 1, "one GET, no PATCH: \(third.requests) requests")
    }
  }

  @Test(
    "two managers applying different fields of one object do not conflict over their digests",
    arguments: KubeBackendKind.allCases)
  func managersDoNotConflict(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let first = await client.applyMany(
        [Kube.configMap("shared", namespace: namespace, data: ["a": "1"])],
        options: ApplyManyOptions(fieldManager: "manager-a"))
      let second = await client.applyMany(
        [Kube.configMap("shared", namespace: namespace, data: ["b": "2"])],
        options: ApplyManyOptions(fieldManager: "manager-b"))
      #expect(first.succeeded && second.succeeded, "\(first.failures) \(second.failures)")
      let live = try await client.get(ObjectReference(Kube.configMap, namespace: namespace, name: "shared"))
      #expect(live[path: "data"]?.objectValue?.keys.sorted() == ["a", "b"])
      let again = await client.applyMany(
        [Kube.configMap("shared", namespace: namespace, data: ["a": "1"])],
        options: ApplyManyOptions(fieldManager: "manager-a"))
      #expect(again.unchanged == 1, "\(again.results.map(\.description))")
    }
  }
}
