import Foundation
import Kubernetes
import ServestackCore
import Synchronization
import TestSupport

/// A TEST STAND-IN, not KServe: plays the controllers the test cluster does not run (KServe's
/// InferenceService controller, Knative's autoscaler and activator, the ingress routing), so that the
/// conformance runner can be tested against a real apiserver. For every InferenceService in the namespaces
/// labelled `servestack.io/test-case=<id>` it:
/// - creates a predictor Deployment `<name>-predictor` (labels as KServe's, the predictor's resources and
///   tolerations, so the REAL scheduler places GPU pods on the GPU node) owned by the InferenceService;
/// - sets `status.url` (`http://<name>.<ns>.example.com`), `status.address.url` and the `Ready`,
///   `PredictorReady`, `IngressReady` conditions from the Deployment (image pull errors become
///   `RevisionFailed` as Knative reports them);
/// - routes the host at the iris fixture's gateway (held while no replica is ready, like the activator);
/// - scales the Deployment on the requests in flight at the gateway: ceil(in-flight / scaleTarget) within
///   minReplicas…maxReplicas, down after `scaleDownAfter` without traffic (to zero when minReplicas is 0).
/// - keeps revisions as Knative does: a spec change (other than `canaryTrafficPercent`) makes a new revision
///   with its own Deployment `<name>-predictor-0000N-deployment` while the old ones stay; the traffic is split
///   as KServe's canary rollout does (the latest revision gets `canaryTrafficPercent`, the last rolled-out one
///   the rest; without it the latest is promoted to 100 %; `0` pins the previous one), reported in
///   `status.components.predictor` (`latestCreatedRevision`, `latestReadyRevision`, `latestRolledoutRevision`,
///   `previousRolledoutRevision`, `traffic[]`) and programmed at the gateway, where a revision whose model
///   differs from the first one's is served by the fixture's v2 model.
/// ``Behaviour`` injects controller faults: never Ready, no route, no scale-up, no scale-down, idle GPU, a
/// revision that never becomes ready, a gateway that splits traffic other than the status says.
final class FakeInferenceController: Sendable {
  struct Behaviour: Sendable {
    /// InferenceServices that never become Ready: `(reason, message)` of their Ready=False condition.
    var neverReady: [String: (reason: String, message: String)] = [:]
    /// InferenceServices whose host is never routed (the gateway answers 404).
    var unrouted: Set<String> = []
    /// InferenceServices whose replicas never rise above their minimum.
    var noScaleUp: Set<String> = []
    /// InferenceServices whose replicas never fall back once the load raised them.
    var noScaleDown: Set<String> = []
    /// GPU utilisation the fixture's DCGM look-alike reports while the GPU pod serves requests.
    var gpuBusyPercent = 87
    var scaleDownAfter: Duration = .seconds(2)
    /// InferenceServices whose later revisions (after the first) never become ready: `(reason, message)`.
    var failingRevisions: [String: (reason: String, message: String)] = [:]
    /// The share the gateway gives a canary revision, whatever the status says (a route gone wrong).
    var gatewayCanaryPercent: Int?
    var image = "kserve/sklearnserver:v0.16.0"
  }

  let client: KubeClient
  let fixture: IrisFixture
  let testCase: String
  let behaviour: Behaviour
  private let task = Mutex<Task<Void, Never>?>(nil)
  private let state = Mutex<[String: Tracked]>([:])
  private let errors = Mutex<[String]>([])

  struct Tracked: Sendable {
    var everReady = false
    var lastBusy = ContinuousClock.now
    var routed: Bool?
    var gpu: String?
    var scaledUp = false
    var revisions: [Revision] = []
    /// Indexes into `revisions`: the last revision rolled out with 100 %, and the one before it.
    var rolledOut: Int?
    var previousRolledOut: Int?
    var routedRevisions: String?
  }

  /// A Knative revision the stand-in keeps: the predictor spec it was made from and its Deployment.
  struct Revision: Sendable {
    var name: String
    var spec: JSONValue
    var deployment: String
    /// `-v2` when its model differs from the first revision's: the fixture serves the v2 model for it.
    var modelSuffix: String
    var everReady = false
  }

  init(client: KubeClient, fixture: IrisFixture, testCase: String, behaviour: Behaviour = Behaviour()) {
    self.client = client
    self.fixture = fixture
    self.testCase = testCase
    self.behaviour = behaviour
  }

  /// The label the runner must put on its namespace for this controller to act in it.
  var namespaceLabels: [String: String] { ["servestack.io/test-case": testCase] }

  func start() {
    let loop = Task { [self] in
      while !Task.isCancelled {
        await reconcileAll()
        try? await Task.sleep(for: .milliseconds(250))
      }
    }
    task.withLock { $0 = loop }
  }

  func stop() async {
    let running = task.withLock { $0 }
    running?.cancel()
    await running?.value
  }

  /// Errors the controller met (for test failure messages).
  var problems: [String] { errors.withLock { $0 } }

  static let isvcKind = GroupVersionKind(group: "serving.kserve.io", version: "v1beta1", kind: "InferenceService")
  static let deploymentKind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
  static let podKind = GroupVersionKind(group: "", version: "v1", kind: "Pod")
  static let namespaceKind = GroupVersionKind(group: "", version: "v1", kind: "Namespace")

  func reconcileAll() async {
    do {
      let namespaces = try await client.list(
        Self.namespaceKind, namespace: nil, options: ListOptions(labelSelector: "servestack.io/test-case=\(testCase)"))
      for namespace in namespaces.items where namespace.deletionTimestamp == nil {
        guard let ns = namespace.name else { continue }
        for isvc in try await client.list(Self.isvcKind, namespace: ns).items where isvc.deletionTimestamp == nil {
          try await reconcile(isvc, namespace: ns)
        }
      }
    } catch {
      if let kube = error as? KubeError, kube.code == .notFound { return }
      errors.withLock { $0.append("\(error)") }
    }
  }

  func reconcile(_ isvc: KubeObject, namespace: String) async throws {
    guard let name = isvc.name, let uid = isvc.uid else { return }
    let key = "\(namespace)/\(name)"
    let predictor = isvc[path: "spec", "predictor"] ?? [:]
    let minReplicas = predictor["minReplicas"]?.intValue ?? 1
    let maxReplicas = max(predictor["maxReplicas"]?.intValue ?? max(minReplicas, 1), 1)
    let target = max(predictor["scaleTarget"]?.intValue ?? 1, 1)
    let deploymentName = "\(name)-predictor"
    let reference = ObjectReference(Self.deploymentKind, namespace: namespace, name: deploymentName)
    var deployment = try await client.getIfExists(reference)
    if deployment == nil {
      deployment = try await client.create(
        Self.deployment(
          deploymentName, isvc: name, uid: uid, namespace: namespace, predictor: predictor, image: behaviour.image,
          replicas: max(minReplicas, 1)))
    }
    guard let deployment else { return }
    let ready = deployment[path: "status", "readyReplicas"]?.intValue ?? 0
    let replicas = deployment[path: "spec", "replicas"]?.intValue ?? 0
    let host = "\(name).\(namespace).example.com"
    var tracked = state.withLock { $0[key] ?? Tracked() }
    if ready > 0 { tracked.everReady = true }
    let split = try await reconcileRevisions(
      &tracked, isvc: name, uid: uid, namespace: namespace, predictor: predictor, firstDeployment: deploymentName)

    // Routing at the gateway first (KServe reports Ready only once the route is programmed); requests are
    // held while no replica is ready (scale from zero), like Knative's activator.
    if tracked.everReady && behaviour.neverReady[name] == nil && !behaviour.unrouted.contains(name) {
      let gpu = try await gpuAssignment(namespace: namespace, isvc: name)
      let routeReady = ready > 0
      let revisions: JSONValue? = tracked.revisions.count > 1 ? split.gateway : nil
      if tracked.routed != routeReady || tracked.gpu != gpu?.serialized()
        || tracked.routedRevisions != revisions?.serialized()
      {
        try await fixture.route(host, ready: routeReady, gpu: gpu, revisions: revisions)
        tracked.routed = routeReady
        tracked.gpu = gpu?.serialized()
        tracked.routedRevisions = revisions?.serialized()
      }
    }

    // Status, as KServe and Knative report it.
    var conditions: [JSONValue]
    if let failure = behaviour.neverReady[name] {
      conditions = Self.conditions(ready: false, reason: failure.reason, message: failure.message)
    } else if let failing = split.failing {
      conditions = Self.conditions(ready: false, reason: failing.reason, message: failing.message)
    } else if tracked.everReady {
      conditions = Self.conditions(ready: true, reason: nil, message: nil)
    } else if let pull = try await imagePullProblem(namespace: namespace, isvc: name) {
      conditions = Self.conditions(
        ready: false, reason: "RevisionFailed",
        message: "Revision \"\(name)-predictor-00001\" failed with message: \(pull).")
    } else {
      conditions = Self.conditions(
        ready: false, reason: "RevisionMissing",
        message: "Configuration \"\(name)-predictor\" is waiting for a Revision to become ready.")
    }
    let status: JSONValue = [
      "url": .string("http://\(host)"),
      "address": ["url": .string("http://\(name)-predictor.\(namespace).svc.cluster.local")],
      "conditions": .array(conditions),
      "observedGeneration": .int(isvc.generation ?? 1),
      "components": ["predictor": split.status],
    ]
    if !(isvc.status?["conditions"] ?? .null).semanticallyEquals(.array(conditions)) || isvc.status?["url"] == nil
      || !(isvc.status?["components"] ?? .null).semanticallyEquals(status["components"] ?? .null)
      || isvc.status?["observedGeneration"]?.intValue != isvc.generation
    {
      _ = try await client.mergePatch(
        ObjectReference(Self.isvcKind, namespace: namespace, name: name), patch: ["status": status],
        subresource: "status")
    }

    // Autoscaling on requests in flight.
    if tracked.everReady {
      let inflight = (try? await fixture.stats(host).inflight) ?? 0
      if inflight > 0 { tracked.lastBusy = .now }
      var desired = min(max((inflight + target - 1) / target, minReplicas), maxReplicas)
      if inflight > 0 { desired = max(desired, 1) }
      var next = replicas
      if desired > replicas && !behaviour.noScaleUp.contains(name) { next = desired }
      let holdsReplicas = behaviour.noScaleDown.contains(name) && tracked.scaledUp
      if desired < replicas && !holdsReplicas && ContinuousClock.now - tracked.lastBusy > behaviour.scaleDownAfter {
        next = desired
      }
      if behaviour.noScaleUp.contains(name) { next = min(next, max(minReplicas, 1)) }
      if next != replicas {
        _ = try await client.mergePatch(reference, patch: ["spec": ["replicas": .int(next)]])
        if next > replicas {
          tracked.lastBusy = .now
          tracked.scaledUp = true
        }
      }
    }
    state.withLock { $0[key] = tracked }
  }

  static func conditions(ready: Bool, reason: String?, message: String?) -> [JSONValue] {
    let now = Date().formatted(.iso8601)
    return ["IngressReady", "PredictorReady", "Ready"].map { type in
      var condition: JSONValue = [
        "type": .string(type), "status": ready ? "True" : "False", "lastTransitionTime": .string(now),
      ]
      if !ready && type != "IngressReady" {
        if let reason { condition["reason"] = .string(reason) }
        if let message { condition["message"] = .string(message) }
      }
      if !ready && type == "IngressReady" { condition["status"] = "True" }
      return condition
    }
  }

  static func deployment(
    _ name: String, isvc: String, uid: String, namespace: String, predictor: JSONValue, image: String, replicas: Int
  ) -> KubeObject {
    let model = predictor["model"] ?? predictor["sklearn"] ?? predictor["pytorch"] ?? [:]
    var container: JSONValue = [
      "name": "kserve-container", "image": .string(image),
      "args": [.string("--model_name=\(isvc)"), "--model_dir=/mnt/models", "--http_port=8080"],
    ]
    if let resources = model["resources"] { container["resources"] = resources }
    var podSpec: JSONValue = ["containers": [container]]
    if let tolerations = predictor["tolerations"] { podSpec["tolerations"] = tolerations }
    let labels: JSONValue = [
      "serving.kserve.io/inferenceservice": .string(isvc), "component": "predictor", "app": .string(name),
    ]
    return KubeObject([
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": [
        "name": .string(name), "namespace": .string(namespace), "labels": labels,
        "ownerReferences": [
          [
            "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "name": .string(isvc),
            "uid": .string(uid),
            "controller": true, "blockOwnerDeletion": true,
          ]
        ],
      ],
      "spec": [
        "replicas": .int(replicas), "selector": ["matchLabels": ["app": .string(name)]],
        "template": ["metadata": ["labels": labels], "spec": podSpec],
      ],
    ])
  }

  /// `Back-off pulling image "…"` when a predictor pod cannot pull its image.
  func imagePullProblem(namespace: String, isvc: String) async throws -> String? {
    let pods = try await client.list(
      Self.podKind, namespace: namespace,
      options: ListOptions(labelSelector: "serving.kserve.io/inferenceservice=\(isvc)"))
    for pod in pods.items {
      for container in pod[path: "status", "containerStatuses"]?.arrayValue ?? [] {
        if let waiting = container[path: ["state", "waiting"]], let reason = waiting["reason"]?.stringValue,
          reason == "ImagePullBackOff" || reason == "ErrImagePull"
        {
          return waiting["message"]?.stringValue ?? "\(reason) \(container["image"]?.stringValue ?? "")"
        }
      }
    }
    return nil
  }

  /// The DCGM labels of the predictor pod holding a GPU, for the fixture's metrics.
  func gpuAssignment(namespace: String, isvc: String) async throws -> JSONValue? {
    let pods = try await client.list(
      Self.podKind, namespace: namespace,
      options: ListOptions(labelSelector: "serving.kserve.io/inferenceservice=\(isvc)"))
    for pod in pods.items {
      let gpu = (pod[path: "spec", "containers"]?.arrayValue ?? []).contains {
        $0[path: ["resources", "limits", "nvidia.com/gpu"]] != nil
      }
      if gpu, let node = pod[path: "spec", "nodeName"]?.stringValue, let podName = pod.name {
        return [
          "node": .string(node), "pod": .string(podName), "namespace": .string(namespace), "index": 0,
          "busyUtil": .int(behaviour.gpuBusyPercent),
        ]
      }
    }
    return nil
  }
}
