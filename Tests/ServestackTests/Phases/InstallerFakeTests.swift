import Foundation
import HTTP
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// The modern default stack (CRDs 1.20 rejects, webhooks that must serve) installed from the upstream
/// fixtures, served under their release URL paths, into a fake apiserver of each test's own.
@Suite(
  "Installer: the default stack on the fake apiserver",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
struct InstallerFakeTests {
  @Test("install completes every install phase with no retry by hand; a second install is unchanged and writes nothing")
  func installTwice() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let client = try fake.client()
    let first = try await Installer(client: client).run(try stack.options())
    #expect(first.succeeded, "\(first.failedPhase?.problems ?? [])")
    #expect(
      first.phases.map(\.name.rawValue) == [
        "cert-manager", "istio", "knative-serving", "net-istio", "kserve", "kserve-cluster-resources",
      ])
    #expect(first.phases.allSatisfy { $0.outcome == .succeeded })
    guard case .notRun(let why) = first.tests else {
      Issue.record("tests: \(first.tests)")
      return
    }
    #expect(why.hasPrefix("skipped: run `servestack test --profile serverless`"))

    let mark = try await fake.log().compactMap { $0["seq"]?.intValue }.max() ?? 0
    let second = try await Installer(client: client).run(try stack.options())
    #expect(second.everyPhaseUnchanged, "\(second.phases.map { "\($0.name): \($0.outcome) \($0.problems)" })")
    let writes = try await fake.log(since: mark + 1).filter {
      $0["changed"] == true && $0["path"]?.stringValue?.contains("servestack-webhook-probe") != true
    }
    let touched = writes.map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
    // Only the install's own books (state ConfigMap, Lease) may change.
    #expect(touched.allSatisfy { $0.contains("servestack-state") || $0.contains("leases") }, "\(touched)")
  }

  @Test(
    "waits hold: CRDs slow to become Established and a webhook refusing connections for 4 s hold the guarded objects back"
  )
  func slowCRDsAndRefusingWebhook() async throws {
    let fake = try await OwnFakeKube(config: [
      "crdEstablishDelaySeconds": 2.0, "webhookRefuseSeconds": ["kserve/kserve-webhook-server-service": 4],
    ])
    defer { fake.stop() }
    let stack = try ModernStack()
    let result = try await Installer(client: try fake.client()).run(try stack.options())
    #expect(result.succeeded, "\(result.failedPhase?.problems ?? [])")
    let kserve = try #require(result.phases.first { $0.name.rawValue == "kserve" })
    // Every CRD waits 2 s for Established (during the apply, before the phase's custom resources go in).
    let established = kserve.waits.filter { $0.what.hasSuffix("established") }
    #expect(!established.isEmpty && established.allSatisfy(\.satisfied))
    for name in ["cert-manager", "knative-serving", "kserve"] {
      let phase = try #require(result.phases.first { $0.name.rawValue == name })
      #expect(phase.duration >= .seconds(2), "\(name) took \(phase.duration)")
    }
    let hook = try #require(
      kserve.waits.first { $0.what.contains("clusterservingruntime.kserve-webhook-server.validator") })
    #expect(hook.satisfied && hook.elapsed >= .seconds(3), "\(hook)")
    #expect(
      hook.state.hasPrefix("answered a dry-run create of clusterservingruntime servestack-webhook-probe"),
      "\(hook.state)")
    // No ClusterServingRuntime write was ever sent to a webhook that refused it.
    let refused = try await fake.log().filter {
      $0["resource"] == "clusterservingruntimes" && ($0["status"]?.intValue ?? 0) >= 400
        && $0["query"]?.stringValue?.contains("dryRun") != true
    }
    #expect(refused.isEmpty, "\(refused)")
  }

  @Test(
    "a Deployment that never becomes available: the binary reports the deployment, the missing condition, the pod state and the resume command; the rerun resumes"
  )
  func neverAvailableThenResume() async throws {
    let fake = try await OwnFakeKube(config: ["neverReady": ["kserve/kserve-controller-manager*"]])
    defer { fake.stop() }
    let stack = try ModernStack()
    let failed = try await EngineTests.servestack(
      ["install", "--timeout", "75s", "--skip-tests"] + stack.flags, kubeconfig: fake.kubeconfig)
    #expect(failed.status == 1)
    let report = failed.stderr
    #expect(report.contains("error: install failed at phase kserve"), "\(report)")
    #expect(report.contains("deployment kserve/kserve-controller-manager"), "\(report)")
    #expect(report.contains("rolled out"), "the missing condition: \(report)")
    #expect(report.contains("ImagePullBackOff"), "the pod state: \(report)")
    #expect(
      report.contains(
        "to resume, run: servestack install --mirror \(stack.mirror.base) --cache \(stack.cache.path) --timeout 75s --skip-tests"
      ), "\(report)")
    #expect(failed.stdout.contains("[4/6] net-istio  succeeded"), "\(failed.stdout)")
    #expect(!report.contains("Fatal error"), "no stack traces")

    _ = try await fake.backend.fakeControl(.patch, "/fake/config", ["neverReady": []])
    let resumed = try await EngineTests.servestack(
      ["install", "--timeout", "2m", "--skip-tests", "-o", "json"] + stack.flags, kubeconfig: fake.kubeconfig)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let finished = try resumed.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }.filter {
      $0["event"] == "phase-finished"
    }
    #expect(
      finished.map { $0["status"]?.stringValue ?? "" } == [
        "unchanged", "unchanged", "unchanged", "unchanged", "succeeded", "succeeded",
      ])

    let status = try await EngineTests.servestack(["status"], kubeconfig: fake.kubeconfig)
    #expect(status.status == 0, "\(status.stdout)")
    #expect(status.stdout.contains("kserve v0.16.0"))
    #expect(status.stdout.contains("ok   deployment kserve/kserve-controller-manager"))
  }

  @Test("plan --offline with the binary: phases, objects and images from the manifests alone, no cluster")
  func offlinePlan() async throws {
    let stack = try ModernStack()
    let output = try await EngineTests.servestack(
      ["plan", "--offline", "--profile", "raw"] + stack.flags, kubeconfig: "/nonexistent/kubeconfig")
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout.contains("offline plan for profile raw"))
    #expect(output.stdout.contains("kserve  install  kserve v0.16.0"))
    #expect(!output.stdout.contains("knative-serving  install"), "raw has no Knative")
    #expect(output.stdout.contains("image: "))
    #expect(
      !output.stderr.contains("warning:"),
      "every wait and probe of the built-in set names an object its manifests create: \(output.stderr)")
  }

  @Test(
    "install then uninstall --delete-crds leaves no Deployment, webhook configuration, CRD or namespace of the stack; an object another tool relabelled is kept and named, and stays in the state",
    arguments: Profile.allCases)
  func uninstallLeavesNothing(_ profile: Profile) async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let client = try fake.client()
    var options = try stack.options()
    options.parameters = try PhaseParameters(profile: profile)
    let installed = try await Installer(client: client).run(options)
    #expect(installed.succeeded, "\(installed.failedPhase?.problems ?? [])")
    let recorded = try await InstallStateStore(client: client).load().records.values.flatMap(\.objects)
    let watched: Set<String> = [
      "Deployment", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CustomResourceDefinition",
      "Namespace",
    ]
    let stackObjects = Set(recorded.filter { watched.contains($0.kind) })
    #expect(
      stackObjects.contains { $0.kind == "ValidatingWebhookConfiguration" }
        && stackObjects.contains { $0.kind == "Deployment" })

    // Another tool relabels a ClusterRole of cert-manager's and the webhook configuration of cert-manager's
    // webhook (an update, as `kubectl label --overwrite` does): they are someone else's now.
    let other = try KubeClient(connection: client.connection, options: KubeClientOptions(fieldManager: "kubectl-label"))
    let relabel: JSONValue = ["metadata": ["labels": ["app.kubernetes.io/managed-by": "site-tool"]]]
    let changed = try #require(recorded.first { $0.kind == "ClusterRole" && $0.name.hasPrefix("cert-manager-") })
    let hook = try #require(
      recorded.first { $0.kind == "ValidatingWebhookConfiguration" && $0.name == "cert-manager-webhook" })
    for object in [changed, hook] { _ = try await other.mergePatch(try Self.reference(object), patch: relabel) }
    // A webhook configuration servestack never applied (as istiod creates one at runtime) calling a Service of the stack.
    let extraHook = KubeObject([
      "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
      "metadata": ["name": "sstest-runtime-validator"],
      "webhooks": [
        [
          "name": "runtime.sstest.dev", "admissionReviewVersions": ["v1"], "sideEffects": "None",
          "failurePolicy": "Fail",
          "clientConfig": [
            "service": ["namespace": "cert-manager", "name": "cert-manager-webhook", "path": "/validate"]
          ],
          "rules": [
            ["apiGroups": ["sstest.dev"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["things"]]
          ],
        ]
      ],
    ])
    _ = try await other.apply(extraHook)

    let removed = try await Uninstaller(client: client).run(
      UninstallOptions(phaseSet: options.phaseSet, deleteCRDs: true, timeout: .seconds(60)))
    #expect(removed.succeeded, "\(removed.removals.flatMap(\.failed))")
    var left: [String] = []
    for object in stackObjects.sorted(by: { $0.description < $1.description })
    where try await client.getIfExists(try Self.reference(object)) != nil {
      left.append(object.description)
    }
    #expect(left.isEmpty, "left behind: \(left)")
    #expect(
      try await client.getIfExists(try #require(extraHook.reference)) == nil,
      "a webhook calling a Service of the stack that is gone")
    let kept = removed.removals.flatMap(\.kept)
    #expect(kept.map(\.object) == [changed.description], "\(kept)")
    #expect(kept.first?.reason.contains("app.kubernetes.io/managed-by=site-tool") == true, "\(kept)")
    // The relabelled webhook configuration goes anyway: its Service is gone, and it would fail every request it intercepts.
    #expect(
      removed.warnings.contains {
        $0.contains(hook.description) && $0.contains("service cert-manager/cert-manager-webhook is gone")
      }, "\(removed.warnings)")

    // The state still records what was kept: a second uninstall names it again instead of "nothing to uninstall".
    let again = try await Uninstaller(client: client).run(
      UninstallOptions(phaseSet: options.phaseSet, deleteCRDs: true, timeout: .seconds(60)))
    #expect(!again.nothingInstalled)
    #expect(again.removals.flatMap(\.kept).map(\.object) == [changed.description])
  }

  @Test(
    "uninstall --dry-run through the binary counts each object once (Knative's CRDs are in two of its manifests) and reports deleted/kept under their own keys, with progress"
  )
  func uninstallDryRunCounts() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let client = try fake.client()
    let installed = try await Installer(client: client).run(try stack.options())
    #expect(installed.succeeded, "\(installed.failedPhase?.problems ?? [])")
    let recorded = Set(try await InstallStateStore(client: client).load().records.values.flatMap(\.objects))
    let crds = recorded.filter { $0.kind == "CustomResourceDefinition" }

    let output = try await EngineTests.servestack(
      ["uninstall", "--dry-run", "--delete-crds", "-o", "json"], kubeconfig: fake.kubeconfig)
    #expect(output.status == 0, "\(output.stderr)")
    let events = try output.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
    let summary = try #require(events.first { $0["event"] == "summary" }?["uninstall"])
    let deleted = (summary["phases"]?.arrayValue ?? []).flatMap {
      ($0["deleted"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
    #expect(
      deleted.count == Set(deleted).count,
      "counted twice: \(Dictionary(grouping: deleted, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
    #expect(deleted.filter { $0.hasPrefix("customresourcedefinition ") }.count == crds.count)
    let finished = events.filter { $0["event"] == "phase-finished" }
    #expect(!finished.isEmpty)
    for event in finished {
      let objects = event["objects"]
      #expect(
        objects?["deleted"]?.intValue != nil && objects?["kept"]?.intValue != nil
          && objects?["failed"]?.intValue != nil, "\(event)")
      #expect(objects?["configured"] == nil && objects?["unchanged"] == nil && objects?["created"] == nil, "\(event)")
    }
    let perPhase = finished.reduce(0) { $0 + ($1["objects"]?["deleted"]?.intValue ?? 0) }
    #expect(perPhase > 0 && perPhase <= deleted.count)
    let progress = events.filter { $0["event"] == "removal-progress" }
    #expect(progress.contains { $0["done"] == $0["total"] }, "no removal-progress event")
    // Nothing was deleted.
    for object in crds.prefix(5) { #expect(try await client.getIfExists(try Self.reference(object)) != nil) }
  }

  @Test(
    "a state written before servestack recorded the applied managed-by label: a label servestack's own apply still owns is not foreign"
  )
  func uninstallLegacyState() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let stack = try ModernStack()
    let client = try fake.client()
    var options = try stack.options()
    options.parameters = try PhaseParameters(profile: .raw)
    let installed = try await Installer(client: client).run(options)
    #expect(installed.succeeded, "\(installed.failedPhase?.problems ?? [])")
    // Rewrite the state as an older servestack wrote it: objects without the applied label.
    let store = InstallStateStore(client: client)
    let state = try await store.load()
    var records: [PhaseName: PhaseRecord] = [:]
    for (name, record) in state.records {
      var legacy = record
      legacy.objects = record.objects.map {
        StoredObject(apiVersion: $0.apiVersion, kind: $0.kind, namespace: $0.namespace, name: $0.name)
      }
      records[name] = legacy
    }
    try await store.save(InstallState(profile: state.profile, parameters: state.parameters, records: records))

    let removed = try await Uninstaller(client: client).run(
      UninstallOptions(phaseSet: options.phaseSet, deleteCRDs: true, timeout: .seconds(60)))
    #expect(removed.succeeded, "\(removed.removals.flatMap(\.failed))")
    #expect(removed.removals.flatMap(\.kept).isEmpty, "\(removed.removals.flatMap(\.kept))")
    #expect(try await client.getIfExists(ObjectReference(GroupVersionKind.namespace, name: "kserve")) == nil)
    #expect(try await store.load().records.isEmpty)
  }

  static func reference(_ object: StoredObject) throws -> ObjectReference {
    ObjectReference(
      try GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind), namespace: object.namespace,
      name: object.name)
  }
}
