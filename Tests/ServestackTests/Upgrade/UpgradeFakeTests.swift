import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// `servestack upgrade plan|apply` through the binary on the fake modern apiserver, the upstream
/// manifests served through `--mirror`.
@Suite(
  "upgrade plan and apply on the fake apiserver",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
struct UpgradeFakeTests {
  static func images(_ client: KubeClient, _ namespace: String, _ name: String) async throws -> [String] {
    let deployment = try await client.get(
      ObjectReference(GroupVersionKind.deployment, namespace: namespace, name: name))
    return (deployment[path: "spec", "template", "spec", "containers"]?.arrayValue ?? []).compactMap {
      $0["image"]?.stringValue
    }
  }

  @Test(
    "install --stack kserve-0.15, upgrade plan --to kserve-0.16 (text and -o json), another profile refused, upgrade apply: KServe v0.16.0, nothing of v0.15.2 left that v0.16.0 lacks; rollback to kserve-0.15 prunes the v0.16-only objects (custom resources before their webhooks) but keeps another manager's"
  )
  func kserveSetUpgradeAndRollback() async throws {
    let fixture = try await UpgradeFixture.installed()
    defer { fixture.stop() }
    let client = try fixture.client()
    let store = InstallStateStore(client: client)

    let plan = try await fixture.servestack(["upgrade", "plan", "--to", "kserve-0.16"])
    #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
    #expect(plan.stdout.contains("installed: stack kserve-0.15"), "\(plan.stdout)")
    #expect(plan.stdout.contains("step 1: kserve v0.15.2 → v0.16.0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("phase kserve:"), "\(plan.stdout)")
    #expect(
      plan.stdout.contains("kserve v0.16.0: Kubernetes 1.30 or newer (1.32 recommended); the cluster runs"),
      "\(plan.stdout)")
    #expect(plan.stdout.contains("to apply it: servestack upgrade apply --to kserve-0.16"), "\(plan.stdout)")

    // Another profile's phases would install its components and prune the installed ones: refused.
    let otherProfile = try await fixture.servestack(["upgrade", "apply", "--to", "kserve-0.16", "--profile", "raw"])
    #expect(otherProfile.status == 2, "\(otherProfile.stdout)\n\(otherProfile.stderr)")
    #expect(
      otherProfile.stderr.contains(
        "the stack was installed with profile serverless, not raw; pass --profile serverless"),
      "\(otherProfile.stderr)")

    let json = try await fixture.servestack(["upgrade", "plan", "--to", "kserve-0.16", "-o", "json"])
    #expect(json.status == 0, "\(json.stderr)")
    let report = try JSONValue(parsing: json.stdout)
    let steps = report["steps"]?.arrayValue ?? []
    #expect(steps.count == 1)
    #expect(report[path: ["stack", "name"]] == "kserve-0.15")
    #expect(steps.first?[path: ["versions", "kserve"]] == "v0.16.0")
    let phases = steps.first?["phases"]?.arrayValue ?? []
    #expect(
      phases.contains { $0["name"] == "kserve" && ($0[path: ["objects", "configured"]]?.intValue ?? 0) > 0 },
      "\(phases)")
    #expect(
      phases.contains { $0["name"] == "kserve" && ($0[path: ["objects", "created"]]?.intValue ?? 0) > 0 },
      "v0.16 adds objects: \(phases)")
    #expect((steps.first?["images"]?.arrayValue ?? []).contains { $0.stringValue?.hasSuffix(":v0.16.0") == true })
    // KServe v0.16.0 has every object v0.15.2 has (and 23 more): nothing of the old version to prune.
    let nothingRemoved = steps.first?["removed"]?.arrayValue ?? []
    #expect(nothingRemoved.isEmpty, "\(nothingRemoved)")

    let apply = try await fixture.servestack([
      "upgrade", "apply", "--to", "kserve-0.16", "--skip-tests", "--timeout", "5m",
    ])
    #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
    #expect(apply.stdout.contains("step 1/1: kserve v0.15.2 → v0.16.0"), "\(apply.stdout)")
    #expect(apply.stdout.contains("upgraded to"), "\(apply.stdout)")
    #expect(try await Self.images(client, "kserve", "kserve-controller-manager").contains { $0.hasSuffix(":v0.16.0") })
    let after = try await store.load()
    #expect(after.stack?.name == "kserve-0.16")
    #expect(after.stack?.components.first { $0.component == "kserve" }?.version == "v0.16.0")
    #expect(after.records.values.allSatisfy { $0.status == .succeeded }, "\(after.records)")
    #expect(after[try PhaseName("kserve")]?.version == "v0.16.0")
    #expect(
      after.upgrade?.finished == true && after.upgrade?.previous.name == "kserve-0.15" && after.upgrade?.prune == [])
    #expect(
      try await client.getIfExists(
        ObjectReference(GroupVersionKind.customResourceDefinition, name: "llminferenceservices.serving.kserve.io"))
        != nil)

    // Again: nothing to do.
    let again = try await fixture.servestack(["upgrade", "apply", "--to", "kserve-0.16", "--skip-tests"])
    #expect(again.status == 0 && again.stdout.contains("nothing to do"), "\(again.stdout)\n\(again.stderr)")

    // Rollback: the plan lists v0.16.0's objects v0.15.2 lacks; one of them carries another manager's label.
    let backPlan = try await fixture.servestack(["upgrade", "plan", "--to", "kserve-0.15", "-o", "json"])
    #expect(backPlan.status == 0, "\(backPlan.stderr)")
    let removed =
      ((try JSONValue(parsing: backPlan.stdout))[path: ["steps"]]?.arrayValue?.first?["removed"]?.arrayValue ?? [])
      .compactMap(\.stringValue)
    #expect(removed.contains("service kserve/llmisvc-webhook-server-service"), "\(removed)")
    let recorded = try await store.load().records.values.flatMap(\.objects)
    let leftovers = recorded.filter { removed.contains($0.description) && $0.kind != "CustomResourceDefinition" }
    try #require(leftovers.count >= 2, "\(removed)")
    let foreign = try #require(leftovers.first { $0.kind == "ConfigMap" || $0.kind == "Service" } ?? leftovers.first)
    let ref = ObjectReference(
      try GroupVersionKind(apiVersion: foreign.apiVersion, kind: foreign.kind), namespace: foreign.namespace,
      name: foreign.name)
    var labelled = KubeObject(ref.gvk, name: foreign.name, namespace: foreign.namespace)
    labelled.labels = [StoredObject.managedByLabel: "someone-else"]
    _ = try await client.apply(labelled, options: ApplyOptions(force: true, fieldManager: "someone-else"))

    let back = try await fixture.servestack([
      "upgrade", "apply", "--to", "kserve-0.15", "--skip-tests", "--timeout", "5m",
    ])
    #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("step 1/1 (rollback): kserve v0.16.0 → v0.15.2"), "\(back.stdout)")
    #expect(
      back.stdout.contains("kept \(foreign.description): labelled app.kubernetes.io/managed-by=someone-else"),
      "\(back.stdout)")
    #expect(
      back.stdout.contains(
        "kept customresourcedefinition llminferenceservices.serving.kserve.io: a CRD the new version no longer has"),
      "\(back.stdout)")
    #expect(try await Self.images(client, "kserve", "kserve-controller-manager").contains { $0.hasSuffix(":v0.15.2") })
    let rolledBack = try await store.load()
    #expect(rolledBack.stack?.name == "kserve-0.15")
    #expect(rolledBack.records.values.allSatisfy { $0.status == .succeeded })
    #expect(try await client.getIfExists(ref) != nil, "another manager's object is kept")
    for object in leftovers where object != foreign {
      let gone = ObjectReference(
        try GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind), namespace: object.namespace,
        name: object.name)
      #expect(try await client.getIfExists(gone) == nil, "\(object) of v0.16.0 only is pruned: \(back.stdout)")
    }
  }

  @Test(
    "upgrade apply --component knative-serving --to v1.21.1 goes through every minor with its ingress; off-matrix refused until ignored; kill -9 mid-upgrade, the Lease refuses an install, then the same command resumes"
  )
  func knativeEveryMinorKillAndResume() async throws {
    let fixture = try await UpgradeFixture.installed(config: ["version": "v1.33.2"])
    defer { fixture.stop() }
    let binary = try #require(TestEnvironment.servestackBinary)
    let client = try fixture.client()
    let store = InstallStateStore(client: client)

    let target = [
      "upgrade", "apply", "--component", "knative-serving", "--to", "v1.21.1", "--skip-tests", "--timeout", "5m",
    ]
    let refused = try await fixture.servestack(target)
    #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
    #expect(
      refused.stderr.contains("[off-matrix]") && refused.stderr.contains("--ignore-preflight-errors=off-matrix"),
      "\(refused.stderr)")
    #expect(try await store.load().stack?.name == "kserve-0.15", "nothing changed")

    let skip = try await fixture.servestack([
      "upgrade", "plan", "--component", "knative-serving", "--to", "v1.17.0", "--direct",
    ])
    #expect(skip.status != 0)
    #expect(skip.stderr.contains("one minor version at a time"), "\(skip.stderr)")

    let command = target + ["--ignore-preflight-errors=off-matrix"]
    let log = fixture.stack.cache.file("upgrade.log")
    let child = try ChildProcess(
      binary.path, command + ["-o", "json"] + fixture.flags,
      environment: ["KUBECONFIG": fixture.kubeconfig, "NO_COLOR": "1"], logFile: log
    )
    let deadline = Date().addingTimeInterval(240)
    while Date() < deadline, child.isRunning {
      if ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(#""event":"step-started","index":3"#) {
        break
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(child.isRunning, "the upgrade ended before it could be killed:\n\(child.logTail())")
    child.signal(SIGKILL)
    await child.stopAsync(grace: 1)
    let killed = try await store.load()
    #expect(
      killed.stack?.components.first { $0.component == "knative-serving" }?.version == "v1.17.0",
      "two steps done: \(String(describing: killed.stack))")
    #expect(killed.upgrade?.finished == false)

    // The upgrade's Lease is live: an install is refused.
    let blocked = try await fixture.servestack([
      "install", "--stack", "kserve-0.15", "--skip-tests", "--ignore-preflight-errors=all",
    ])
    #expect(blocked.status == 3, "\(blocked.stdout)\n\(blocked.stderr)")
    #expect(blocked.stderr.contains("another servestack install or uninstall is running"), "\(blocked.stderr)")
    try await Task.sleep(for: .seconds(31))

    let resumed = try await fixture.servestack(command)
    #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
    #expect(
      resumed.stdout.contains("resuming the upgrade to knative-serving v1.21.1 begun from kserve-0.15"),
      "\(resumed.stdout)")
    #expect(resumed.stdout.contains("step 1/4: knative-serving v1.17.0 → v1.18.0"), "\(resumed.stdout)")
    #expect(resumed.stdout.contains("step 4/4: knative-serving v1.20.3 → v1.21.1"), "\(resumed.stdout)")
    let full = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    #expect(
      full.contains(#""from":"v1.15.2""#) && full.contains(#""to":"v1.16.3""#), "the first steps named their versions")

    let done = try await store.load()
    let versions = Dictionary(uniqueKeysWithValues: (done.stack?.components ?? []).map { ($0.component, $0.version) })
    #expect(
      versions["knative-serving"] == "v1.21.1" && versions["net-istio"] == "v1.21.1"
        && versions["kourier"] == "v1.21.0", "\(versions)")
    #expect(versions["kserve"] == "v0.15.2")
    #expect(done.upgrade?.finished == true)
    #expect(done.records.values.allSatisfy { $0.status == .succeeded })
    let controller = try await client.get(
      ObjectReference(GroupVersionKind.deployment, namespace: "knative-serving", name: "controller"))
    #expect(controller.labels["app.kubernetes.io/version"] == "1.21.1")
    #expect(done.upgrade?.prune == [], "every leftover of the old minors pruned")
  }
}
