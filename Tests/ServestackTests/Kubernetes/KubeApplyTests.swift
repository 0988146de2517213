import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing
import YAML

/// Server-side apply, apply-many outcomes, dry runs and the server's own error messages, on both backends.
@Suite("Kubernetes apply")
struct KubeApplyTests {
  static func crd(group: String) throws -> KubeObject {
    try #require(
      Kube.objects(
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.\(group)}
        spec:
          group: \(group)
          names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {type: integer}
        """
      ).first)
  }

  /// A mixed set of ordinary objects in `namespace`.
  static func sampleSet(_ namespace: String) throws -> [KubeObject] {
    var objects = try Kube.objects(
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: app-secret}
      data: {password: bm90LWEtcmVhbC1vbmU=}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: app}
      spec:
        selector: {app: app}
        ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: Role
      metadata: {name: app}
      rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
      """)
    for index in 0..<4 { objects.append(Kube.configMap("cm-\(index)", namespace: namespace, data: ["i": "\(index)"])) }
    objects.append(Kube.deployment("app", namespace: namespace))
    return objects
  }

  @Test(
    "a CRD, then a custom resource of it in the same applyMany (discovery refresh)", arguments: KubeBackendKind.allCases
  )
  func crdThenCustomResource(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let group = "g\(UUID().uuidString.prefix(6).lowercased()).sstest.example.com"
    let crd = try Self.crd(group: group)
    try await backend.withNamespace(client) { namespace in
      let widget = KubeObject([
        "apiVersion": .string("\(group)/v1"), "kind": "Widget",
        "metadata": ["name": "w1", "namespace": .string(namespace)],
        "spec": ["size": 3],
      ])
      // The custom resource comes first: applyMany must still put the CRD before it.
      let result = await client.applyMany([widget, crd], options: ApplyManyOptions(returnFullObjects: true))
      _ = try? await client.delete(ObjectReference(Kube.crd, name: "widgets.\(group)"))
      #expect(result.succeeded, "\(result.failures)")
      #expect(result.results.map(\.outcome.label) == ["created", "created"])
      let stored = result.results[0].object
      #expect(stored?[path: "spec", "size"]?.intValue == 3)
    }
  }

  @Test(
    "applying the same set twice: all unchanged, no resourceVersion moves; one edit is 'configured'",
    arguments: KubeBackendKind.allCases)
  func idempotence(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let objects = try Self.sampleSet(namespace)
      let first = await client.applyMany(objects, options: ApplyManyOptions(defaultNamespace: namespace))
      #expect(first.succeeded, "\(first.failures)")
      // The namespace already existed (withNamespace made it), so prior state was listed: all created.
      #expect(first.created == objects.count)
      // Let the controllers settle (deployment status, service-account token) before comparing versions.
      let rollout = await Waiter(client: client).wait(
        for: ObjectReference(Kube.deployment, namespace: namespace, name: "app"), until: .rolledOut,
        timeout: .seconds(60))
      #expect(rollout.satisfied, "\(rollout)")
      try await Task.sleep(for: .seconds(1))
      let references = first.results.compactMap(\.reference)
      var before: [String?] = []
      for reference in references { before.append(try await client.get(reference).resourceVersion) }

      let second = await client.applyMany(objects, options: ApplyManyOptions(defaultNamespace: namespace))
      #expect(second.succeeded, "\(second.failures)")
      #expect(second.unchanged == objects.count, "\(second.results.map(\.description))")
      for (index, reference) in references.enumerated() {
        let live = try await client.get(reference)
        #expect(live.resourceVersion == before[index], "\(reference) was written again")
      }

      var edited = objects
      edited[3] = Kube.configMap("cm-0", namespace: namespace, data: ["i": "changed"])
      let third = await client.applyMany(edited, options: ApplyManyOptions(defaultNamespace: namespace))
      #expect(third.configured == 1)
      #expect(third.unchanged == objects.count - 1)
      #expect(third.results[3].outcome.label == "configured")
    }
  }

  @Test(
    "a server-side dry run stores nothing and still tells created from configured", arguments: KubeBackendKind.allCases)
  func dryRun(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      _ = try await client.apply(Kube.configMap("existing", namespace: namespace))
      let objects = [
        Kube.configMap("new", namespace: namespace),
        Kube.configMap("existing", namespace: namespace, data: ["key": "other"]),
        Kube.configMap("existing2", namespace: namespace),
      ]
      _ = try await client.apply(objects[2])
      let result = await client.applyMany(objects, options: ApplyManyOptions(dryRun: true))
      #expect(result.succeeded, "\(result.failures)")
      #expect(result.results.map(\.outcome.label) == ["created", "configured", "unchanged"])
      #expect(try await client.getIfExists(ObjectReference(Kube.configMap, namespace: namespace, name: "new")) == nil)
      let existing = try await client.get(ObjectReference(Kube.configMap, namespace: namespace, name: "existing"))
      #expect(existing[path: "data", "key"]?.stringValue == "value")
    }
  }

  @Test(
    "an invalid name comes back as .invalid with the server's message verbatim", arguments: KubeBackendKind.allCases)
  func invalidName(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let bad = Kube.configMap("Bad_Name", namespace: namespace)
      let result = await client.applyMany([bad, Kube.configMap("fine", namespace: namespace)])
      #expect(result.results[1].outcome.label == "created", "a failure does not stop the others")
      let error = try #require(result.results[0].outcome.error)
      #expect(error.code == .invalid)
      #expect(error.httpStatus == 422)
      #expect(error.category == .input)
      #expect(
        error.serverMessage?.hasPrefix("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"")
          == true)
      #expect(error.message.contains(error.serverMessage ?? "<none>"))
      #expect(error.causes.contains { $0.field == "metadata.name" })
    }
  }

  @Test(
    "a modern KServe CRD is rejected by 1.20 with its \"null\" default message",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream"),
    arguments: KubeBackendKind.allCases)
  func kserveCRDRejected(_ kind: KubeBackendKind) async throws {
    if kind == .fake {
      try KubeTestBackend.skip(kind, "the fake implements a modern apiserver that accepts these CRDs; skipped")
    }
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let documents = try YAMLParser.readDocuments(
      atPath: fixtures.appendingPathComponent("kserve/v0.16.0/kserve.yaml").path)
    var crd = try #require(
      documents.map { KubeObject($0.value) }.first { $0.name == "inferenceservices.serving.kserve.io" })
    // A group of its own, so that a CRD of the real name that others put on the shared cluster does not
    // turn this into a field-manager conflict.
    let group = "s\(UUID().uuidString.prefix(6).lowercased()).sstest.example.com"
    crd.name = "inferenceservices.\(group)"
    crd.json.set(.string(group), at: ["spec", "group"])
    let result = await client.applyMany([crd], options: ApplyManyOptions(dryRun: true))
    let error = try #require(result.results[0].outcome.error)
    #expect(error.code == .invalid)
    #expect(
      error.message.contains("CustomResourceDefinition.apiextensions.k8s.io \"inferenceservices.\(group)\" is invalid"))
    #expect(error.message.contains("Invalid value: \"null\""))
  }
}
