import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// `upgrade apply` and `servestack rollback` with a synthetic component whose CRD changes versions
/// between releases, on the fake apiserver: Widgets stored as v1alpha1 are migrated to v1 when the newer
/// release serves v1 only, and going back to a release that cannot read v1 is refused before anything
/// changes.
@Suite(
  "upgrade apply: stored CRD versions",
  .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct UpgradeStorageMigrationTests {
  static let group = "widgets.sstest.example.com"
  static let crdName = "widgets.\(group)"

  /// A phase folder with one template phase, `widgets`, and a catalog of three versions: v1.0.0 stores
  /// v1alpha1; v1.1.0 also serves v1 (still storing v1alpha1); v2.0.0 has v1 only.
  static func folder() throws -> PhaseFolder {
    let folder = try PhaseFolder()
    try folder.write(
      "10-widgets.yaml",
      """
      name: widgets
      kind: install
      description: a synthetic CRD whose versions change between releases
      component:
        name: widgets
        crds:
          groups: [\(group)]
      wait:
        - crds: established
      timeout: 2m

      """)
    let releases: [(String, [SyntheticCRD.Version])] = [
      ("v1.0.0", [SyntheticCRD.v("v1alpha1", storage: true)]),
      ("v1.1.0", [SyntheticCRD.v("v1alpha1", storage: true), SyntheticCRD.v("v1")]),
      ("v2.0.0", [SyntheticCRD.v("v1", storage: true)]),
    ]
    var catalog = "component: widgets\nversions:\n"
    for (index, (version, versions)) in releases.enumerated() {
      let file = "widgets-\(version).yaml"
      let text = SyntheticCRD.make(group: group, versions).json.serialized(.pretty) + "\n"
      try folder.write("manifests/\(file)", text)
      let from = index == 0 ? "" : "\">=v1.0.0 <\(version)\""
      catalog += """
          - version: \(version)
            kubernetes: {min: "1.19"}
            upgradeFrom: [\(from)]
            manifests:
              - path: ../manifests/\(file)
                sha256: \(Digest.sha256(Array(text.utf8)).hex)

        """
    }
    try folder.write("versions/widgets.yaml", catalog)
    try folder.write(
      "versions/stacks.yaml",
      """
      stacks:
        - name: widgets-1
          components: {widgets: v1.0.0}
        - name: widgets-1.1
          components: {widgets: v1.1.0}
        - name: widgets-2
          components: {widgets: v2.0.0}

      """)
    return folder
  }

  static func storedVersions(_ client: KubeClient) async throws -> [String] {
    let crd = try await client.get(ObjectReference(GroupVersionKind.customResourceDefinition, name: crdName))
    return crd[path: "status", "storedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
  }

  @Test(
    "widgets stored as v1alpha1 are migrated to v1 by upgrade apply and stay readable; servestack rollback goes back where v1alpha1 is still stored, and refuses (upgrade apply --to and rollback alike) once v1 is, naming the CRD, the version and what to do"
  )
  func migrateThenRefuseRollback() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let folder = try Self.folder()
    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    let flags = ["--phases", folder.path, "--cache", cache.path]
    func run(_ arguments: [String]) async throws -> Shell.Output {
      try await EngineTests.servestack(arguments + flags, kubeconfig: fake.kubeconfig)
    }
    let install = try await run(["install", "--stack", "widgets-1", "--ignore-preflight-errors=all", "--skip-tests"])
    try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
    let client = try fake.client()
    let store = InstallStateStore(client: client)
    let names = ["alpha", "bravo", "charlie"]
    for name in names {
      _ = try await client.create(
        SyntheticCRD.widget(name, namespace: "default", group: Self.group, version: "v1alpha1"))
    }

    // Nothing upgraded yet: nothing to roll back; a target of its own is refused.
    let nothing = try await run(["rollback", "--skip-tests"])
    #expect(nothing.status == 2 && nothing.stderr.contains("nothing to roll back"), "\(nothing.stderr)")
    let named = try await run(["rollback", "--to", "widgets-2"])
    #expect(named.status == 2 && named.stderr.contains("--to does not go with rollback"), "\(named.stderr)")

    // A safe rollback: v1.1.0 still stores v1alpha1, which v1.0.0 serves.
    let minor = try await run(["upgrade", "apply", "--to", "widgets-1.1", "--skip-tests"])
    #expect(minor.status == 0, "\(minor.stdout)\n\(minor.stderr)")
    let back = try await run(["rollback", "--skip-tests"])
    #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
    #expect(back.stdout.contains("step 1/1 (rollback): widgets v1.1.0 → v1.0.0"), "\(back.stdout)")
    #expect(try await store.load().stack?.name == "widgets-1")

    // v2.0.0 has v1 only: the stored v1alpha1 objects are rewritten as v1 before v1alpha1 goes.
    let plan = try await run(["upgrade", "plan", "--to", "widgets-2"])
    #expect(plan.stdout.contains("crd \(Self.crdName):"), "\(plan.stdout)\n\(plan.stderr)")
    let upgrade = try await run(["upgrade", "apply", "--to", "widgets-2", "--skip-tests"])
    #expect(upgrade.status == 0, "\(upgrade.stdout)\n\(upgrade.stderr)")
    #expect(try await Self.storedVersions(client) == ["v1"])
    let kind = GroupVersionKind(group: Self.group, version: "v1", kind: "Widget")
    for name in names {
      let widget = try await client.get(ObjectReference(kind, namespace: "default", name: name))
      #expect(widget.apiVersion == "\(Self.group)/v1")
      #expect(widget[path: "spec", "size"]?.intValue == name.count, "kept through the migration: \(widget.json)")
    }

    // Going back to v1.0.0 would strand them: refused, by upgrade apply --to and by rollback, nothing changed.
    for command in [["upgrade", "apply", "--to", "widgets-1", "--skip-tests"], ["rollback", "--skip-tests"]] {
      let refused = try await run(command)
      #expect(refused.status != 0, "\(command): \(refused.stdout)\n\(refused.stderr)")
      #expect(
        refused.stderr.contains(
          "rollback of crd \(Self.crdName) refused: after the upgrade its objects are stored as v1, and the older CRD has no version v1"
        ), "\(command): \(refused.stderr)")
      #expect(refused.stderr.contains("Nothing was changed. Stay on widgets-2"), "\(refused.stderr)")
      #expect(!refused.stdout.contains("step 1/1"), "no step started: \(refused.stdout)")
    }
    let state = try await store.load()
    #expect(state.stack?.name == "widgets-2" && state.upgrade?.finished == true)
    #expect(try await Self.storedVersions(client) == ["v1"])
    let crd = try await client.get(ObjectReference(GroupVersionKind.customResourceDefinition, name: Self.crdName))
    #expect(crd[path: "spec", "versions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["v1"])
  }
}
