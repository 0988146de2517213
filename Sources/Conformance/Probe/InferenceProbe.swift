import Foundation
public import HTTP
public import Kubernetes
public import Phases
import ServestackCore

/// The InferenceService `servestack upgrade apply` asks during the whole upgrade: the smoke phase's
/// sklearn-iris model in its own namespace (`servestack-probe`), asked `:predict` through the same ingress the
/// test phases use (`--ingress`, else the discovered gateway). One that is already there is reused and left,
/// unless it carries the probe's own labels (a killed run's); one the probe created is deleted afterwards.
public struct InferenceProbe: UpgradeProbing {
  public static let defaultNamespace = "servestack-probe"
  /// The model name the sklearn server serves is the InferenceService's.
  public static let name = "sklearn-iris"
  static let body: JSONValue = ["instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]]

  public var http: HTTPClient
  public var profile: String
  public var namespace: String
  public var ingressURL: String?
  /// In the cluster without an ingress: the cluster-local `status.address.url`.
  public var inCluster: Bool
  /// Test parameters (`sklearnStorageUri`, `readyTimeout`, `requestTimeout`, …), as for the test phases.
  public var parameters: [String: String]
  /// How long the probe may take to answer once Ready (the gateway programs its route after Ready).
  public var firstAnswerTimeout: Duration

  public init(
    http: HTTPClient, profile: String, namespace: String = Self.defaultNamespace, ingressURL: String? = nil,
    inCluster: Bool = false, parameters: [String: String] = [:], firstAnswerTimeout: Duration = .seconds(60)
  ) {
    self.http = http
    self.profile = profile
    self.namespace = namespace
    self.ingressURL = ingressURL
    self.inCluster = inCluster
    self.parameters = parameters
    self.firstAnswerTimeout = firstAnswerTimeout
  }

  var reference: ObjectReference { ObjectReference(KubeKinds.inferenceService, namespace: namespace, name: Self.name) }

  /// The smoke phase's InferenceService, with the probe's parameters.
  func object(_ values: TestParameters) throws(ConformanceError) -> KubeObject {
    let template: JSONValue = [
      "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
      "metadata": [
        "name": .string(Self.name), "namespace": .string(namespace),
        "labels": ["app.kubernetes.io/managed-by": "servestack", "servestack.io/probe": "true"],
        "annotations": ["serving.kserve.io/deploymentMode": "${deploymentMode}"],
      ],
      "spec": [
        "predictor": [
          "model": [
            "modelFormat": ["name": "sklearn"], "storageUri": "${sklearnStorageUri}",
            "resources": ["requests": ["cpu": "100m", "memory": "512Mi"], "limits": ["cpu": "1", "memory": "1Gi"]],
          ]
        ]
      ],
    ]
    return KubeObject(try values.substitute(template))
  }

  /// Made by a probe: labelled `servestack.io/probe=true` and managed by servestack.
  static func isOwn(_ object: KubeObject) -> Bool {
    object.labels["servestack.io/probe"] == "true" && object.labels["app.kubernetes.io/managed-by"] == "servestack"
  }

  public func prepare(client: KubeClient) async throws -> UpgradeProbeTarget {
    let values = try TestParameters(profile: profile, namespace: namespace, overrides: parameters)
    let readyTimeout = try TestParameters.parseDuration(values.values["readyTimeout"] ?? "5m")
    let requestTimeout = try TestParameters.parseDuration(values.values["requestTimeout"] ?? "30s")
    let namespaceReference = ObjectReference(GroupVersionKind.namespace, name: namespace)
    // Labelled as the probe's own: left behind by a killed run, so this run deletes them afterwards.
    var createdNamespace = false
    if let existing = try await client.getIfExists(namespaceReference) {
      createdNamespace = Self.isOwn(existing)
    } else {
      var object = KubeObject(GroupVersionKind.namespace, name: namespace)
      object.json.set(
        ["app.kubernetes.io/managed-by": "servestack", "servestack.io/probe": "true"], at: ["metadata", "labels"])
      _ = try await client.create(object)
      createdNamespace = true
    }
    var createdService = false
    if let existing = try await client.getIfExists(reference) {
      createdService = Self.isOwn(existing)
    } else {
      _ = try await client.create(try object(values))
      createdService = true
    }
    let cleanup = Cleanup(
      client: client, service: createdService ? reference : nil,
      namespace: createdNamespace ? namespaceReference : nil)
    do {
      let endpoint = try await ready(client: client, timeout: readyTimeout)
      let request = InferenceRequest(
        path: "/v1/models/\(Self.name):predict", body: Self.body, timeout: requestTimeout)
      let inference = InferenceClient(http: http)
      let send: @Sendable () async -> String? = { Self.check(await inference.send(request, to: endpoint)) }
      // Right after Ready the gateway may not route yet, as the smoke phase allows for.
      let deadline = ContinuousClock.now + firstAnswerTimeout
      var failure = await send()
      while failure != nil, ContinuousClock.now < deadline {
        try await Task.sleep(for: .seconds(1))
        failure = await send()
      }
      if let failure {
        throw ConformanceError(
          .cluster, "inferenceservice \(namespace)/\(Self.name) is Ready but does not answer: \(failure)")
      }
      return UpgradeProbeTarget(
        description: "inferenceservice \(namespace)/\(Self.name) via \(endpoint)", send: send,
        finish: { await cleanup.run() })
    } catch {
      _ = await cleanup.run()
      throw error
    }
  }

  /// Waits for Ready, then says where requests go.
  func ready(client: KubeClient, timeout: Duration) async throws -> InferenceEndpoint {
    let result = await Waiter(client: client).wait(for: reference, until: .condition("Ready"), timeout: timeout)
    guard result.satisfied else {
      let diagnosis = await InferenceServiceDiagnoser(client: client).diagnose(
        inferenceService: Self.name, namespace: namespace)
      throw ConformanceError(
        .cluster,
        "inferenceservice \(namespace)/\(Self.name) is not Ready after \(timeout.short): \(result)"
          + (diagnosis.isEmpty ? "" : " (\(diagnosis.joined(separator: "; ")))"))
    }
    let object = try await client.get(reference)
    if ingressURL == nil && inCluster, let address = object[path: "status", "address", "url"]?.stringValue,
      let host = InferenceEndpoint.host(ofURL: address)
    {
      return InferenceEndpoint(ingressURL: TestRunner.origin(of: address), host: host)
    }
    guard let url = object[path: "status", "url"]?.stringValue, let host = InferenceEndpoint.host(ofURL: url) else {
      throw ConformanceError(.cluster, "inferenceservice \(namespace)/\(Self.name) is Ready but has no status.url")
    }
    if let ingressURL { return InferenceEndpoint(ingressURL: ingressURL, host: host) }
    switch await IngressResolver(client: client).resolve(profile: profile) {
    case .success(let ingress): return InferenceEndpoint(ingressURL: ingress.url, host: host)
    case .failure(let error): throw error
    }
  }

  /// nil for a 200 whose predictions are the model's `[1, 1]`, else what came back.
  static func check(_ response: InferenceResponse) -> String? {
    guard response.error == nil, response.status == 200 else { return response.failureSummary }
    guard response.json?["predictions"] == [1, 1] else {
      return "\(response.target) answered 200 without the predictions [1, 1]: \(response.bodyExcerpt)"
    }
    return nil
  }

  /// Deletes what the probe created.
  struct Cleanup: Sendable {
    let client: KubeClient
    let service: ObjectReference?
    let namespace: ObjectReference?

    func run() async -> String? {
      var problems: [String] = []
      for reference in [service, namespace].compactMap({ $0 }) {
        do {
          try await client.delete(reference)
        } catch {
          problems.append("cannot delete \(reference): \(error.userMessage)")
        }
      }
      return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
  }
}
