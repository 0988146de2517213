import Conformance
import Foundation
import HTTP
import Kubernetes
import ServestackCore
import TestSupport
import Testing
import YAML

@Suite("Periodic job: rendering, results in the cluster, Pushgateway")
struct ConformanceJobRenderTests {
  static let options = JobOptions(
    schedule: "0 */6 * * *", image: "10.61.3.31:35000/servestack/servestack:0.1.0", keepResults: 5, requireGPU: true,
    parameters: ["loadDuration": "1m"], dcgmURL: "http://nvidia-dcgm-exporter.gpu-operator.svc:9400/metrics")

  @Test("renders namespaces, ServiceAccount, Roles, bindings and the CronJob running servestack test")
  func render() throws {
    let objects = try JobRenderer.objects(Self.options)
    #expect(
      objects.map { $0["kind"]?.stringValue ?? "" } == [
        "Namespace", "Namespace", "ServiceAccount", "Role", "RoleBinding", "Role", "RoleBinding", "ClusterRole",
        "ClusterRoleBinding", "CronJob", "PrometheusRule", "ConfigMap",
      ])
    let cronJob = try #require(objects.first { $0["kind"] == "CronJob" })
    #expect(cronJob["apiVersion"] == "batch/v1")
    #expect(cronJob[path: ["spec", "schedule"]] == "0 */6 * * *")
    #expect(cronJob[path: ["spec", "concurrencyPolicy"]] == "Forbid")
    let pod = try #require(cronJob[path: ["spec", "jobTemplate", "spec", "template", "spec"]])
    #expect(pod["serviceAccountName"] == "servestack-conformance")
    #expect(pod[path: ["containers"]]?[0]?["image"] == "10.61.3.31:35000/servestack/servestack:0.1.0")
    #expect(
      pod[path: ["containers"]]?[0]?["args"] == .array(JobRenderer.testArguments(Self.options).map { .string($0) }))
    #expect(
      JobRenderer.testArguments(Self.options) == [
        "test", "--profile", "serverless", "--namespace", "servestack-conformance", "--store-results",
        "servestack-system",
        "--keep-results", "5", "--report-json", "/tmp/servestack/report.json", "--report-junit",
        "/tmp/servestack/report.xml",
        "--require-gpu", "--set", "loadDuration=1m", "--dcgm-url",
        "http://nvidia-dcgm-exporter.gpu-operator.svc:9400/metrics",
      ])
    // The cluster-wide grant is read-only nodes; nothing grants secrets or namespaces.
    #expect(objects[7]["rules"] == [["apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]]])
    let text = try JobRenderer.yaml(Self.options)
    #expect(try YAMLParser.parseDocuments(text) == objects)
    #expect(!text.contains("secrets"))
  }

  @Test("bad schedules, images, counts and names are refused")
  func validation() {
    for bad in [
      JobOptions(schedule: "every 6 hours", image: "x"), JobOptions(schedule: "0 */6 * *", image: "x"),
      JobOptions(schedule: "0 */6 * * *", image: ""), JobOptions(schedule: "0 */6 * * *", image: "x", keepResults: 0),
      JobOptions(schedule: "0 */6 * * *", image: "x", namespace: "Servestack"),
      JobOptions(schedule: "0 */6 * * *", image: "x", cronJobAPIVersion: "batch/v2"),
    ] {
      #expect(throws: ConformanceError.self) { try JobRenderer.objects(bad) }
    }
  }

  @Test("metrics reach a Pushgateway with PUT /metrics/job/servestack-conformance")
  func pushgateway() async throws {
    let directory = try TemporaryDirectory(prefix: "servestack-pushgateway")
    let (process, port) = try await Kube.startPython(
      "Conformance/capture_server.py", [], log: directory.file("pushgateway.log"))
    defer { process.stop() }
    var configuration = HTTPClientConfiguration()
    configuration.proxy = .none
    let http = try HTTPClient(configuration: configuration)
    try await PushGateway.push(ReportFixtures.sample(), to: "http://127.0.0.1:\(port)/", http: http)
    let captured = try JSONValue(parsing: try await http.get("http://127.0.0.1:\(port)/__captured").body)
    let request = try #require(captured[0])
    #expect(request["method"] == "PUT" && request["path"] == "/metrics/job/servestack-conformance")
    #expect(request["contentType"] == "text/plain; version=0.0.4")
    #expect(request["body"]?.stringValue?.contains("servestack_test_phase_passed{phase=\"smoke\"} 1") == true)
    process.stop()
    await #expect(throws: ConformanceError.self) {
      try await PushGateway.push(ReportFixtures.sample(), to: "http://127.0.0.1:\(port)", http: http)
    }
  }
}

extension ConformanceClusterTests {
  /// The job's manifests on the real apiserver: server-side dry run, then applied; SelfSubjectAccessReviews AS
  /// its ServiceAccount show exactly the access the tests need; then the tests really run as that
  /// ServiceAccount and store their results.
  @Suite("periodic job on the real apiserver")
  struct Job {
    @Test(
      "job output passes server-side dry run, its RBAC allows exactly what the tests need, and suffices to run them")
    func jobOnRealCluster() async throws {
      let cluster = try await ConformanceCluster.real()
      let admin = cluster.client
      let id = String(UUID().uuidString.prefix(6)).lowercased()
      var options = JobOptions(
        schedule: "*/30 * * * *", image: "servestack:test", namespace: "sst-job-\(id)",
        testNamespace: "sst-jobtests-\(id)",
        keepResults: 2, alerts: nil)
      options.cronJobAPIVersion = await JobRenderer.servedCronJobVersion(admin)
      #expect(options.cronJobAPIVersion == "batch/v1beta1")  // Kubernetes 1.20
      let objects = try await Self.rendered(options)
      let clusterRole = try #require(objects.first { $0.kind == "ClusterRole" }?.reference)
      let clusterBinding = try #require(objects.first { $0.kind == "ClusterRoleBinding" }?.reference)
      let namespaceNames = [options.namespace, options.testNamespace]
      do {
        try await Self.exercise(options, objects: objects, id: id, cluster: cluster)
      } catch {
        await Self.remove([clusterBinding, clusterRole], namespaces: namespaceNames, admin: admin)
        throw error
      }
      await Self.remove([clusterBinding, clusterRole], namespaces: namespaceNames, admin: admin)
    }

    @Test(
      "job --apply --dry-run into new namespaces: all would be created, the served CronJob version, alerts left out")
    func applyDryRun() async throws {
      let cluster = try await ConformanceCluster.real()
      let id = String(UUID().uuidString.prefix(6)).lowercased()
      let job = JobOptions(
        schedule: "*/30 * * * *", image: "servestack:test", namespace: "sst-jobdry-\(id)",
        testNamespace: "sst-jobdrytests-\(id)")
      let result = try await JobApplier(client: cluster.client).apply(JobApplyOptions(job: job, dryRun: true))
      #expect(result.cronJobAPIVersion == "batch/v1beta1")  // Kubernetes 1.20
      #expect(result.failure == nil, "\(result.items.map { "\($0.object) \($0.outcome)" })")
      #expect(result.items.allSatisfy { $0.outcome.label == "created" })
      #expect(result.items.contains { $0.object == "cronjob sst-jobdry-\(id)/servestack-conformance" })
      #expect(!result.items.contains { $0.object.hasPrefix("prometheusrule") })
      #expect(result.notes.count == 1 && result.notes[0].contains("no Prometheus Operator"))
      #expect(result.json["objects"]?.arrayValue?.count == result.items.count)
      #expect(result.json["dryRun"] == .bool(true))
      let namespace = ObjectReference(
        GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: job.namespace)
      #expect(try await cluster.client.getIfExists(namespace) == nil)

      guard let binary = TestEnvironment.servestackBinary else { return }
      let output = try await Shell.checkAsync(
        binary.path,
        [
          "job", "--kubeconfig", cluster.kubeconfig, "--schedule", job.schedule, "--image", job.image,
          "--namespace", job.namespace, "--test-namespace", job.testNamespace, "--apply", "--dry-run", "-o", "json",
        ])
      #expect(try JSONValue(parsing: output) == result.json)
    }

    static func remove(_ references: [ObjectReference], namespaces: [String], admin: KubeClient) async {
      for reference in references { _ = try? await admin.delete(reference) }
      for name in namespaces {
        _ = try? await admin.delete(
          ObjectReference(GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: name))
      }
    }

    static func exercise(_ options: JobOptions, objects: [KubeObject], id: String, cluster: ConformanceCluster)
      async throws
    {
      let admin = cluster.client
      // Namespaces first (a dry run cannot put objects into namespaces that do not exist), then a server-side
      // dry run of everything, then the real apply.
      let namespaces = objects.filter { $0.kind == "Namespace" }
      #expect(await admin.applyMany(namespaces, options: ApplyManyOptions(fieldManager: "servestack")).succeeded)
      let dryRun = await admin.applyMany(objects, options: ApplyManyOptions(dryRun: true, fieldManager: "servestack"))
      #expect(dryRun.succeeded, "\(dryRun.failures)")
      let applied = await admin.applyMany(objects, options: ApplyManyOptions(fieldManager: "servestack"))
      #expect(applied.succeeded, "\(applied.failures)")

      let serviceAccount = try await Self.client(as: options.serviceAccount, in: options.namespace, admin: admin)
      let required = await serviceAccount.checkAccess(JobRBAC.requiredAccess(options))
      let denied = required.filter { !$0.allowed }
      #expect(denied.isEmpty, "denied: \(denied)")
      #expect(required.count == 25)
      let forbidden = await serviceAccount.checkAccess(JobRBAC.forbiddenAccess(options))
      let wronglyAllowed = forbidden.filter { $0.allowed || $0.error != nil }
      #expect(wronglyAllowed.isEmpty, "allowed or unanswered: \(wronglyAllowed)")

      // The tests run as the ServiceAccount in the job's test namespace (labelled for the stand-in controller).
      _ = try await admin.mergePatch(
        ObjectReference(GroupVersionKind(group: "", version: "v1", kind: "Namespace"), name: options.testNamespace),
        patch: ["metadata": ["labels": ["servestack.io/test-case": .string(id)]]])
      let controller = FakeInferenceController(client: admin, fixture: cluster.fixture, testCase: id)
      controller.start()
      let runner = TestRunner(client: serviceAccount, http: try InferenceClient.makeHTTPClient(connections: 16))
      let report = try await runner.run(
        try ConformanceCluster.phases(["smoke", "gpu-inference", "autoscaling"]),
        options: TestRunOptions(
          namespace: options.testNamespace, ingressURL: cluster.fixture.ingressURL, parameters: cluster.fastParameters()
        ))
      await controller.stop()
      if report.outcome != .passed { FileHandle.standardError.write(Data(report.consoleTable().utf8)) }
      #expect(report.outcome == .passed)
      #expect(report.namespace == options.testNamespace)

      // Results are kept in the cluster, the newest `keepResults`, readable by status.
      let store = ResultStore(client: serviceAccount, namespace: options.namespace)
      var names: [String] = []
      for _ in 0..<3 { names.append(try await store.save(report, keep: options.keepResults)) }
      let stored = try await store.list()
      #expect(stored.count == 2)
      #expect(Set(stored.map(\.name)).isSubset(of: Set(names)))
      #expect(stored.first?.report?.phases.map(\.name) == ["smoke", "gpu-inference", "autoscaling"])
      #expect(stored.first?.outcome == .passed)
      #expect(
        try await store.latestMetrics()?.contains("servestack_test_phase_passed{phase=\"autoscaling\"} 1") == true)
    }

    /// The manifests as `servestack job` prints them (the built binary), else from the library.
    static func rendered(_ options: JobOptions) async throws -> [KubeObject] {
      let library = try JobRenderer.objects(options)
      guard let binary = TestEnvironment.servestackBinary else { return library.map(KubeObject.init) }
      let output = try await Shell.checkAsync(
        binary.path,
        [
          "job", "--schedule", options.schedule, "--image", options.image, "--namespace", options.namespace,
          "--test-namespace", options.testNamespace, "--keep-results", String(options.keepResults),
          "--cronjob-api-version", options.cronJobAPIVersion,
        ] + (options.alerts == nil ? ["--no-alerts"] : []) + (options.dashboard ? [] : ["--no-dashboard"]))
      let documents = try YAMLParser.parseDocuments(output)
      #expect(documents == library)
      return documents.map(KubeObject.init)
    }

    /// A client authenticated as the ServiceAccount: a TokenRequest token, else its legacy token Secret.
    static func client(as serviceAccount: String, in namespace: String, admin: KubeClient) async throws -> KubeClient {
      let reference = ObjectReference(
        GroupVersionKind(group: "", version: "v1", kind: "ServiceAccount"), namespace: namespace, name: serviceAccount)
      var token: String?
      let request: JSONValue = [
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 3600],
      ]
      if let answer = try? await admin.create(request, subresource: "token", of: reference) {
        token = answer[path: ["status", "token"]]?.stringValue
      }
      let deadline = Date().addingTimeInterval(20)
      while token == nil && Date() < deadline {
        let account = try await admin.get(reference)
        if let secret = account[path: "secrets"]?[0]?["name"]?.stringValue {
          let object = try await admin.get(
            ObjectReference(
              GroupVersionKind(group: "", version: "v1", kind: "Secret"), namespace: namespace, name: secret))
          token = object[path: "data", "token"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map {
            String(decoding: $0, as: UTF8.self)
          }
        }
        if token == nil { try await Task.sleep(for: .milliseconds(200)) }
      }
      guard let token else { throw TestSetupError("no token for \(namespace)/\(serviceAccount)") }
      var connection = admin.connection
      connection.credentials = .token(Secret(token))
      connection.impersonate = nil
      return try KubeClient(connection: connection)
    }
  }
}
