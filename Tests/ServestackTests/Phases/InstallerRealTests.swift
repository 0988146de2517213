import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// Install, re-install, kill and resume, the lease, status and uninstall, against the real v1.20
/// apiserver with the real120 phase set (its objects in a namespace of the test's own).
@Suite(
  "Installer against the real v1.20 apiserver", .serialized,
  .enabled(if: TestEnvironment.hasTestCluster, Comment(rawValue: TestEnvironment.missingClusterReason)))
struct InstallerRealTests {
  @Test(
    "install, install again (every phase unchanged, no resourceVersion moved), status, uninstall keeps the CRD (and the state remembers it) but deletes a Deployment labelled managed-by=Helm in its own manifest, uninstall --delete-crds then removes the CRD"
  )
  func installTwiceStatusUninstall() async throws {
    let client = try EngineTests.realClient()
    let namespace = EngineTests.uniqueName("r120")
    let stateNamespace = EngineTests.uniqueName("state")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    defer { cache.remove() }
    let options = try EngineTests.real120Options(namespace: namespace, stateNamespace: stateNamespace, cache: cache)
    do {
      let first = try await Installer(client: client).run(options)
      #expect(first.succeeded, "\(first.failedPhase?.problems ?? [])")
      #expect(first.phases.map(\.outcome) == [.succeeded, .succeeded, .succeeded])
      #expect(first.preflight?["kubernetes-version"]?.ignored == true)
      let before = try await EngineTests.resourceVersions(client, stateNamespace: stateNamespace)
      #expect(before.count == 7, "\(before.keys.sorted())")

      let second = try await Installer(client: client).run(options)
      #expect(second.everyPhaseUnchanged, "\(second.phases.map { "\($0.name): \($0.outcome) \($0.problems)" })")
      #expect(second.headline.hasPrefix("every phase unchanged"))
      let after = try await EngineTests.resourceVersions(client, stateNamespace: stateNamespace)
      #expect(after == before, "a re-install moved resourceVersions")

      let status = try await StatusReporter(client: client).run(
        phaseSet: options.phaseSet, stateNamespace: stateNamespace)
      #expect(status.healthy)
      #expect(status.phases.map(\.name) == ["base", "app", "widgets"])
      #expect(status.workloads.map(\.object) == ["deployment \(namespace)/app"])
      #expect(status.components.first?.name == "sstest-widgets")

      let removed = try await Uninstaller(client: client).run(
        UninstallOptions(phaseSet: options.phaseSet, timeout: .seconds(120), stateNamespace: stateNamespace))
      #expect(removed.succeeded, "\(removed.removals.flatMap(\.failed))")
      #expect(removed.removals.map(\.phase) == ["widgets", "app", "base"])
      #expect(
        try await client.getIfExists(ObjectReference(EngineTests.namespace, name: namespace)) == nil,
        "uninstall waits until gone")
      #expect(
        try await client.getIfExists(ObjectReference(EngineTests.crd, name: EngineTests.widgetsCRD)) != nil,
        "CRDs stay without --delete-crds")
      #expect(removed.removals.flatMap(\.kept).map(\.object) == ["customresourcedefinition \(EngineTests.widgetsCRD)"])
      #expect(
        removed.removals.flatMap(\.deleted).contains("deployment \(namespace)/app"),
        "its managed-by label is the one servestack applied")
      let state = try await InstallStateStore(client: client, namespace: stateNamespace).load()
      #expect(
        state.records.values.flatMap(\.objects).map(\.description) == [
          "customresourcedefinition \(EngineTests.widgetsCRD)"
        ])

      let crds = try await Uninstaller(client: client).run(
        UninstallOptions(
          phaseSet: options.phaseSet, deleteCRDs: true, timeout: .seconds(120), stateNamespace: stateNamespace))
      #expect(crds.removals.flatMap(\.deleted) == ["customresourcedefinition \(EngineTests.widgetsCRD)"])
      #expect(try await client.getIfExists(ObjectReference(EngineTests.crd, name: EngineTests.widgetsCRD)) == nil)
      #expect(try await InstallStateStore(client: client, namespace: stateNamespace).load().records.isEmpty)
    } catch {
      await EngineTests.cleanUp(client, namespaces: [namespace, stateNamespace])
      throw error
    }
    await EngineTests.cleanUp(client, namespaces: [stateNamespace])
  }

  @Test("a stale lease taken over by the binary is warned about once, not again in the summary")
  func staleLeaseWarnedOnce() async throws {
    let kubeconfig = try #require(TestEnvironment.testKubeconfig)
    let client = try EngineTests.realClient()
    let namespace = EngineTests.uniqueName("r120")
    let stateNamespace = EngineTests.uniqueName("state")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    defer { cache.remove() }
    defer { Task { await EngineTests.cleanUp(client, namespaces: [namespace, stateNamespace]) } }
    _ = try await client.create(KubeObject(EngineTests.namespace, name: stateNamespace))
    var lease = KubeObject(EngineTests.lease, name: "servestack-install", namespace: stateNamespace)
    lease["spec"] = [
      "holderIdentity": "gone-host/4242", "leaseDurationSeconds": 30, "acquireTime": "2020-01-01T00:00:00.000000Z",
      "renewTime": "2020-01-01T00:00:00.000000Z", "leaseTransitions": 0,
    ]
    _ = try await client.create(lease)
    let result = try await EngineTests.servestack(
      [
        "install", "--ignore-preflight-errors=KubernetesVersion", "--phases", try EngineTests.real120.path, "--set",
        "namespace=\(namespace)", "--state-namespace", stateNamespace, "--cache", cache.path, "--only", "base",
      ], kubeconfig: kubeconfig)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    let output = result.stdout + result.stderr
    #expect(output.components(separatedBy: "took over the stale lease").count - 1 == 1, "\(output)")
  }

  @Test("uninstall keeps an object another manager also applied")
  func uninstallKeepsForeign() async throws {
    let client = try EngineTests.realClient()
    let namespace = EngineTests.uniqueName("r120")
    let stateNamespace = EngineTests.uniqueName("state")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    defer { cache.remove() }
    var options = try EngineTests.real120Options(namespace: namespace, stateNamespace: stateNamespace, cache: cache)
    options.only = ["base"]
    defer { Task { await EngineTests.cleanUp(client, namespaces: [namespace, stateNamespace]) } }
    let result = try await Installer(client: client).run(options)
    #expect(result.succeeded)
    // Someone else takes a field of the ConfigMap with their own server-side apply.
    let other = try KubeClient(connection: client.connection, options: KubeClientOptions(fieldManager: "site-team"))
    var mine = KubeObject(Kube.configMap, name: "settings", namespace: namespace)
    mine["data"] = ["owner": "site-team"]
    _ = try await other.apply(mine)
    let removed = try await Uninstaller(client: client).run(
      UninstallOptions(phaseSet: options.phaseSet, timeout: .seconds(120), stateNamespace: stateNamespace))
    let kept = removed.removals.flatMap(\.kept).first { $0.object.contains("settings") }
    #expect(kept?.reason.contains("also applied by site-team") == true, "\(removed.removals.flatMap(\.kept))")
    // The state still records it: a second uninstall names it again.
    let again = try await Uninstaller(client: client).run(
      UninstallOptions(phaseSet: options.phaseSet, timeout: .seconds(120), stateNamespace: stateNamespace))
    #expect(
      again.removals.flatMap(\.kept).contains { $0.object == "configmap \(namespace)/settings" },
      "\(again.removals.map(\.kept))")
  }

  @Test(
    "the binary killed mid-install: a live lease is refused, a stale one taken over with a warning, resume at the phase not succeeded, status, uninstall --delete-crds"
  )
  func killAndResume() async throws {
    let kubeconfig = try #require(TestEnvironment.testKubeconfig)
    let binary = try #require(TestEnvironment.servestackBinary, "the servestack binary is not built")
    let client = try EngineTests.realClient()
    let namespace = EngineTests.uniqueName("r120")
    let stateNamespace = EngineTests.uniqueName("state")
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    defer { cache.remove() }
    defer { Task { await EngineTests.cleanUp(client, namespaces: [namespace, stateNamespace]) } }
    let flags = [
      "--phases", try EngineTests.real120.path, "--set", "namespace=\(namespace)", "--state-namespace", stateNamespace,
      "--cache", cache.path,
    ]
    let install = ["install", "--ignore-preflight-errors=KubernetesVersion"] + flags

    // Kill it while phase app waits for its Deployment (minReadySeconds 8).
    let log = cache.file("install.log")
    let child = try ChildProcess(
      binary.path, install + ["-o", "json"], environment: ["KUBECONFIG": kubeconfig], logFile: log)
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline, child.isRunning {
      if ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(#""event":"phase-started","phase":"app""#) {
        break
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    try await Task.sleep(for: .seconds(1))
    #expect(child.isRunning, "the install ended before it could be killed:\n\(child.logTail())")
    child.signal(SIGKILL)
    await child.stopAsync(grace: 1)
    let state = try await InstallStateStore(client: client, namespace: stateNamespace).load()
    #expect(state[try PhaseName("base")]?.status == .succeeded)
    #expect(state[try PhaseName("app")]?.status == .running)
    #expect(state[try PhaseName("widgets")] == nil)

    // Its lease is still live: a second install is refused, naming the holder.
    let refused = try await EngineTests.servestack(install, kubeconfig: kubeconfig)
    #expect(refused.status == 3, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("another servestack install or uninstall is running"), "\(refused.stderr)")

    // Past its renew deadline the lease is stale: taken over with a warning, and the install resumes.
    let reference = ObjectReference(EngineTests.lease, namespace: stateNamespace, name: "servestack-install")
    var lease = try await client.get(reference)
    lease.json.set("2020-01-01T00:00:00.000000Z", at: ["spec", "renewTime"])
    _ = try await client.update(lease)
    let resumed = try await EngineTests.servestack(install + ["-o", "json"], kubeconfig: kubeconfig)
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    let events = try resumed.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
    let warning = events.first { $0["event"] == "warning" }?["message"]?.stringValue ?? ""
    #expect(warning.contains("took over the stale lease"), "\(warning)")
    let finished = events.filter { $0["event"] == "phase-finished" }
    #expect(finished.map { $0["name"]?.stringValue ?? "" } == ["base", "app", "widgets"])
    #expect(finished.map { $0["status"]?.stringValue ?? "" } == ["unchanged", "succeeded", "succeeded"])
    #expect(finished.dropFirst().first?["reason"]?.stringValue?.contains("interrupted") == true, "\(finished)")

    let status = try await EngineTests.servestack(
      ["status", "--phases", try EngineTests.real120.path, "--state-namespace", stateNamespace], kubeconfig: kubeconfig)
    #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
    #expect(status.stdout.contains("ok   deployment \(namespace)/app  1/1 available"), "\(status.stdout)")

    let uninstall = try await EngineTests.servestack(
      ["uninstall", "--delete-crds", "--phases", try EngineTests.real120.path, "--state-namespace", stateNamespace],
      kubeconfig: kubeconfig)
    #expect(uninstall.status == 0, "\(uninstall.stdout)\(uninstall.stderr)")
    #expect(try await client.getIfExists(ObjectReference(EngineTests.namespace, name: namespace)) == nil)
    #expect(
      try await client.getIfExists(ObjectReference(EngineTests.crd, name: EngineTests.widgetsCRD)) == nil,
      "--delete-crds deletes the CRD")
  }
}
