import BuiltinContent
import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing
import YAML

/// The version catalog (phases/versions/): loading, validation errors with file:line, resolving the
/// template phases for a stack set, upgrade paths, and adding a version as data only.
@Suite struct CatalogTests {
  /// A phase folder holding one template phase (component `demo`, no version) and a catalog for it.
  static func demoFolder(component: String, stacks: String) throws -> PhaseFolder {
    let folder = try PhaseFolder()
    try folder.write(
      "10-demo.yaml", "name: demo\nkind: install\ncomponent:\n  name: demo\nwait:\n  - workloads: available\n")
    try folder.write("versions/demo.yaml", component)
    try folder.write("versions/stacks.yaml", stacks)
    return folder
  }

  static let goodDemo = """
    component: demo
    versions:
      - version: v1.0.0
        kubernetes: {min: "1.28"}
        manifests:
          - url: https://example.com/demo/v1.0.0/demo.yaml
            sha256: \(PhaseFixtures.pin)
      - version: v1.1.0
        kubernetes: {min: "1.29", recommended: "1.30"}
        upgradeFrom: [">=v1.0.0 <v1.1.0"]
        manifests:
          - url: https://example.com/demo/v1.1.0/demo.yaml
            sha256: \(PhaseFixtures.pin)

    """

  @Test("builtin catalog has the sets and the upgrade chain") func builtinCatalogHasTheSetsAndTheUpgradeChain() throws {
    let catalog = try #require(try PhaseSet.catalog())
    #expect(catalog.stacks.map(\.name) == ["kserve-0.15", "kserve-0.16"])
    #expect(catalog.defaultStack?.name == "kserve-0.16")
    let knative = try #require(catalog.components["knative-serving"])
    #expect(
      knative.versions.map(\.version) == ["v1.15.2", "v1.16.3", "v1.17.0", "v1.18.0", "v1.19.9", "v1.20.3", "v1.21.1"])
    #expect(
      catalog.components["net-istio"]?.versions.map(\.version) == [
        "v1.15.1", "v1.16.0", "v1.17.0", "v1.18.1", "v1.19.6", "v1.20.2", "v1.21.1",
      ])
    #expect(
      catalog.components["kourier"]?.versions.map(\.version) == [
        "v1.15.1", "v1.16.0", "v1.17.0", "v1.18.0", "v1.19.6", "v1.20.1", "v1.21.0",
      ])
    #expect(catalog.components["cert-manager"]?.versions.map(\.version) == ["v1.16.1", "v1.18.0"])
    #expect(catalog.version("knative-serving", "v1.21.1")?.kubernetes.minimum.description == "1.33")
    // Knative goes one minor at a time: every minor between, and no skipping.
    let path = try #require(
      UpgradePaths.path(knative, from: try SemanticVersion("v1.15.2"), to: try SemanticVersion("v1.21.1")))
    #expect(path.map(\.version) == ["v1.16.3", "v1.17.0", "v1.18.0", "v1.19.9", "v1.20.3", "v1.21.1"])
    #expect(catalog.version("knative-serving", "v1.17.0")?.upgrades(from: try SemanticVersion("v1.15.2")) == false)
  }

  @Test("stack resolves the template phases") func stackResolvesTheTemplatePhases() throws {
    let old = try PhaseSet.builtin(stack: "kserve-0.15")
    #expect(old.stack?.name == "kserve-0.15")
    #expect(old.phase("kserve")?.component?.version == "v0.15.2")
    #expect(old.phase("kserve")?.component?.crds?.upgradeFrom.map(\.text) == [">=v0.14.0 <v0.15.2"])
    #expect(
      old.phase("kserve")?.manifests.map(\.reference) == [
        "https://github.com/kserve/kserve/releases/download/v0.15.2/kserve.yaml"
      ])
    #expect(
      old.phase("kserve-cluster-resources")?.manifests.map(\.reference) == [
        "https://github.com/kserve/kserve/releases/download/v0.15.2/kserve-cluster-resources.yaml"
      ])
    // The resolved document stands alone (a bundle copies it): version, range and manifests are in it.
    let document = try #require(old.phase("kserve")?.document)
    #expect(document[path: ["component", "version"]] == "v0.15.2")
    #expect(document[path: ["component", "kubernetes", "min"]] == "1.30")
    #expect(document["manifests"]?.arrayValue?.count == 1)
    let newest = try PhaseSet.builtin()
    #expect(newest.stack?.name == "kserve-0.16")
    #expect(newest.phase("kserve")?.component?.version == "v0.16.0")
    #expect(throws: PhaseError.self) { try PhaseSet.builtin(stack: "kserve-0.14") }
    do {
      _ = try PhaseSet.builtin(stack: "kserve-016")
    } catch {
      #expect(error.message.contains("did you mean 'kserve-0.16'?"), "\(error)")
      #expect(error.message.contains("the sets are kserve-0.15, kserve-0.16"), "\(error)")
    }
  }

  @Test("unknown version in a set is named with file and line") func unknownVersionInASetIsNamedWithFileAndLine() throws
  {
    let folder = try Self.demoFolder(
      component: Self.goodDemo, stacks: "stacks:\n  - name: s1\n    components:\n      demo: v9.9.9\n")
    let error = try #require(folder.loadError())
    #expect(error.description.hasPrefix(folder.path + "/versions/stacks.yaml:4:"), "\(error)")
    #expect(
      error.description.contains("field 'stacks[0].components.demo': demo v9.9.9 is not in the catalog"), "\(error)")
    #expect(error.description.contains("lists v1.0.0, v1.1.0"), "\(error)")

    let unknown = try Self.demoFolder(
      component: Self.goodDemo, stacks: "stacks:\n  - name: s1\n    components:\n      dmeo: v1.0.0\n")
    let second = try #require(unknown.loadError())
    #expect(second.description.contains("stacks.yaml:4:"), "\(second)")
    #expect(second.description.contains("unknown component 'dmeo' (did you mean 'demo'?)"), "\(second)")
  }

  @Test("missing SHA256 is named with file and line") func missingSHA256IsNamedWithFileAndLine() throws {
    let component =
      "component: demo\nversions:\n  - version: v1.0.0\n    kubernetes: {min: \"1.28\"}\n    manifests:\n      - url: https://example.com/demo.yaml\n"
    let folder = try Self.demoFolder(
      component: component, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.0.0}\n")
    let error = try #require(folder.loadError())
    #expect(error.description.hasPrefix(folder.path + "/versions/demo.yaml:6:"), "\(error)")
    #expect(
      error.description.contains("field 'versions[0].manifests[0].sha256': missing required field 'sha256'"), "\(error)"
    )
  }

  @Test("a catalog file with a second YAML document is refused naming that document's line")
  func secondDocumentIsNamedWithFileAndLine() throws {
    let folder = try Self.demoFolder(
      component: Self.goodDemo + "---\ncomponent: other\n",
      stacks: "stacks:\n  - name: s1\n    components: {demo: v1.0.0}\n")
    let error = try #require(folder.loadError())
    #expect(error.description.hasPrefix(folder.path + "/versions/demo.yaml:14:"), "\(error)")
    #expect(error.description.contains("a catalog file holds exactly one YAML document, this one has 2"), "\(error)")
  }

  @Test("bad kubernetes range is named with file and line") func badKubernetesRangeIsNamedWithFileAndLine() throws {
    let below = Self.goodDemo.replacingOccurrences(of: "recommended: \"1.30\"", with: "recommended: \"1.20\"")
    let folder = try Self.demoFolder(
      component: below, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.1.0}\n")
    let error = try #require(folder.loadError())
    #expect(error.description.hasPrefix(folder.path + "/versions/demo.yaml:9:"), "\(error)")
    #expect(error.description.contains("recommended Kubernetes 1.20 is below the minimum 1.29"), "\(error)")

    let garbled = Self.goodDemo.replacingOccurrences(of: "{min: \"1.28\"}", with: "{min: \"latest\"}")
    let second = try #require(
      try Self.demoFolder(component: garbled, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.0.0}\n")
        .loadError())
    #expect(second.description.contains("demo.yaml:4:"), "\(second)")
    #expect(second.description.contains("field 'versions[0].kubernetes.min'"), "\(second)")

    let missing = Self.goodDemo.replacingOccurrences(of: "    kubernetes: {min: \"1.28\"}\n", with: "")
    let third = try #require(
      try Self.demoFolder(component: missing, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.0.0}\n")
        .loadError())
    #expect(
      third.description.contains("field 'versions[0].kubernetes': missing required field 'kubernetes'"), "\(third)")
  }

  @Test("tested with must name known components") func testedWithMustNameKnownComponents() throws {
    let tested = Self.goodDemo.replacingOccurrences(
      of: "    upgradeFrom:", with: "    testedWith: {istio: [1.27.1]}\n    upgradeFrom:")
    let folder = try Self.demoFolder(
      component: tested, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.1.0}\n")
    let error = try #require(folder.loadError())
    #expect(
      error.description.contains("demo.yaml:10:18: field 'versions[1].testedWith.istio': unknown component 'istio'"),
      "\(error)")
  }

  @Test("template without catalog or set entry is an error") func templateWithoutCatalogOrSetEntryIsAnError() throws {
    let folder = try PhaseFolder()
    try folder.write("10-demo.yaml", "name: demo\nkind: install\ncomponent:\n  name: demo\n")
    let error = try #require(folder.loadError())
    #expect(error.description.contains("10-demo.yaml:3:"), "\(error)")
    #expect(error.description.contains("names no version, and this phase folder has no version catalog"), "\(error)")

    let other = try Self.demoFolder(
      component: Self.goodDemo, stacks: "stacks:\n  - name: s1\n    components: {demo: v1.0.0}\n")
    try other.write("20-other.yaml", "name: other\nkind: install\ncomponent:\n  name: other\n")
    try other.write(
      "versions/other.yaml", Self.goodDemo.replacingOccurrences(of: "component: demo", with: "component: other"))
    let second = try #require(other.loadError())
    #expect(second.description.contains("20-other.yaml:4:"), "\(second)")
    #expect(second.description.contains("stack set s1 ("), "\(second)")
    #expect(second.description.contains("names no version of other"), "\(second)")
  }

  @Test("newest set is the default and stack picks another") func newestSetIsTheDefaultAndStackPicksAnother() throws {
    let folder = try Self.demoFolder(
      component: Self.goodDemo,
      stacks: "stacks:\n  - name: old\n    components: {demo: v1.0.0}\n  - name: new\n    components: {demo: v1.1.0}\n")
    #expect(try PhaseSet.load(directory: folder.url).phase("demo")?.component?.version == "v1.1.0")
    #expect(
      try PhaseSet.load(directory: folder.url, stack: "old").phase("demo")?.component?.kubernetes?.minimum.description
        == "1.28")
    let newer = try StackChoice.choose(phases: folder.url, stack: nil, profile: .serverless, serverVersion: "v1.29.3")
    #expect(newer.name == "new")
    let older = try StackChoice.choose(phases: folder.url, stack: nil, profile: .serverless, serverVersion: "v1.28.9")
    #expect(older.name == "old")
    #expect(
      older.reason.contains(
        "the newest set whose minimum for profile serverless (Kubernetes 1.28) Kubernetes v1.28.9 meets"),
      "\(older.reason)")
    #expect(older.newer == "Kubernetes 1.29 would get new", "\(older.newer ?? "")")
    let none = try StackChoice.choose(phases: folder.url, stack: nil, profile: .serverless, serverVersion: "v1.20.2")
    #expect(none.name == "new")
    #expect(none.reason.contains("meets no set's minimum"), "\(none.reason)")
  }

  @Test(
    "versions command lists sets versions and paths",
    .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary; skipped"))
  func versionsCommandListsSetsVersionsAndPaths() throws {
    let binary = try #require(TestEnvironment.servestackBinary)
    let json = try JSONValue(parsing: try Shell.check(binary.path, ["versions", "-o", "json"]))
    #expect(json["default"] == "kserve-0.16")
    let stacks = try #require(json["stacks"]?.arrayValue)
    #expect(stacks.map { $0["name"]?.stringValue ?? "" } == ["kserve-0.15", "kserve-0.16"])
    #expect(stacks[0][path: ["components", "kserve"]] == "v0.15.2")
    #expect(stacks[1][path: ["kubernetes", "serverless"]] == ["min": "1.30", "recommended": "1.32"])
    #expect(stacks[1][path: ["kubernetes", "raw"]] == ["min": "1.30", "recommended": "1.32"])
    let knative =
      json["components"]?.arrayValue?.first { $0["name"] == "knative-serving" }?["versions"]?.arrayValue ?? []
    #expect(knative.count == 7)
    #expect(knative.last?["kubernetes"] == ["min": "1.33", "recommended": "1.33"])
    #expect(knative.last?["upgradeFrom"] == [">=1.20.0 <1.21.1"])
    let chains = json[path: ["upgradePaths", "components"]]?.arrayValue ?? []
    #expect(
      chains.first { $0["component"] == "knative-serving" }?["path"] == [
        "v1.16.3", "v1.17.0", "v1.18.0", "v1.19.9", "v1.20.3", "v1.21.1",
      ])
    #expect(
      chains.first { $0["component"] == "cert-manager" }?["blocked"]?.stringValue?.contains("no path in the catalog")
        == true)

    let text = try Shell.check(binary.path, ["versions"])
    #expect(
      text.contains("kserve-0.16 (default)  1.30            1.32         v1.16.1       1.27.1  v1.15.2"), "\(text)")
    #expect(text.contains("knative-serving  v1.21.1  1.33            1.33         >=1.20.0 <1.21.1    -"), "\(text)")
    #expect(text.contains("kserve-0.15 -> kserve-0.16: kserve v0.15.2 -> v0.16.0"), "\(text)")
    #expect(
      text.contains("knative-serving v1.15.2 -> v1.16.3 -> v1.17.0 -> v1.18.0 -> v1.19.9 -> v1.20.3 -> v1.21.1"),
      "\(text)")
    #expect(text.contains("note: kserve-0.15: "), "the untested Istio pairing is shown: \(text)")

    // A phase folder without a catalog still shows its pinned components; a broken one is one error line.
    let folder = try PhaseFolder()
    try folder.write("10-demo.yaml", "name: demo\nkind: install\nmanifest: []\n")
    let bad = try Shell.run(binary.path, ["versions", "--phases", folder.path])
    #expect(bad.status == 2)
    #expect(
      bad.stderr.contains("10-demo.yaml:3:1: field 'manifest': unknown field 'manifest' (did you mean 'manifests'?)"))
  }

  /// Writes the built-in phases and catalog into a folder, for tests that change the data.
  static func builtinCopy() throws -> PhaseFolder {
    let folder = try PhaseFolder()
    for file in BuiltinContent.files(in: "phases") { try folder.write(file.name, file.text) }
    return folder
  }

  /// A new KServe version and a set using it, added as data only (a catalog entry whose manifests are
  /// the test fixtures, by path): `versions` lists it, `plan --offline --stack` renders it.
  @Test(
    "adding a version is data only",
    .enabled(
      if: TestEnvironment.hasUpstreamFixtures && TestEnvironment.servestackBinary != nil,
      "needs the fixtures and the binary"))
  func addingAVersionIsDataOnly() throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let binary = try #require(TestEnvironment.servestackBinary)
    let folder = try Self.builtinCopy()
    func hex(_ file: String) throws -> String {
      Digest.sha256([UInt8](try Data(contentsOf: fixtures.appendingPathComponent(file)))).hex
    }
    var kserve = try String(contentsOf: folder.url.appendingPathComponent("versions/kserve.yaml"), encoding: .utf8)
    kserve += """
        - version: v0.16.1-test
          kubernetes: {min: "1.31"}
          upgradeFrom: [">=v0.16.0 <v0.16.1-test"]
          testedWith: {knative-serving: [v1.15.2]}
          manifests:
            - path: \(fixtures.path)/kserve/v0.16.0/kserve.yaml
              sha256: \(try hex("kserve/v0.16.0/kserve.yaml"))
            - path: \(fixtures.path)/kserve/v0.16.0/kserve-cluster-resources.yaml
              sha256: \(try hex("kserve/v0.16.0/kserve-cluster-resources.yaml"))
              phase: kserve-cluster-resources

      """
    try folder.write("versions/kserve.yaml", kserve)
    var stacks = try String(contentsOf: folder.url.appendingPathComponent("versions/stacks.yaml"), encoding: .utf8)
    stacks +=
      "  - name: kserve-test\n    components: {cert-manager: v1.16.1, istio: 1.27.1, knative-serving: v1.15.2, net-istio: v1.15.1, kourier: v1.15.1, kserve: v0.16.1-test}\n"
    try folder.write("versions/stacks.yaml", stacks)

    let json = try JSONValue(
      parsing: try Shell.check(binary.path, ["versions", "--phases", folder.path, "-o", "json"]))
    #expect(json["default"] == "kserve-test")
    let versions = json["components"]?.arrayValue?.first { $0["name"] == "kserve" }?["versions"]?.arrayValue ?? []
    #expect(versions.map { $0["version"]?.stringValue ?? "" } == ["v0.15.2", "v0.16.0", "v0.16.1-test"])
    #expect(versions.last?["stacks"] == ["kserve-test"])
    let paths = json[path: ["upgradePaths", "stacks"]]?.arrayValue ?? []
    let step = paths.first { $0["from"] == "kserve-0.16" && $0["to"] == "kserve-test" }?["steps"]?.arrayValue?.first
    #expect(step?["path"] == ["v0.16.1-test"], "\(paths)")

    let cache = try TemporaryDirectory(prefix: "servestack-cache")
    let plan = try Shell.run(
      binary.path,
      [
        "plan", "--offline", "--phases", folder.path, "--stack", "kserve-test", "--only", "kserve", "--cache",
        cache.path,
      ])
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.contains("kserve  install  kserve v0.16.1-test"), "\(plan.stdout)")
  }

  /// Waits and probes that name an object must name one that every catalog version of the phase's
  /// component creates: the endpoints' Services and the probed webhooks, read from the fixtures.
  @Test(
    "explicit waits name objects of every version",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream; skipped"))
  func explicitWaitsNameObjectsOfEveryVersion() throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let catalog = try #require(try PhaseSet.catalog())
    var checked = 0
    for (name, component) in catalog.components {
      for version in component.versions {
        // The component's phase: its waits and probes are the same for every version.
        let phase = try #require(try PhaseSet.builtin().phases.first { $0.component?.name == name })
        var services = Set<String>()
        var webhooks = Set<String>()
        for manifest in version.manifests where manifest.phase == nil {
          guard case .url(let url, _) = manifest.source.location else { continue }
          let file = try #require(PhaseFixtures.upstreamFiles[url])
          let text = try String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8)
          for document in try YAMLParser.parseDocuments(text) {
            let kind = document["kind"]?.stringValue
            let metadata = document["metadata"]
            if kind == "Service" {
              services.insert("\(metadata?["namespace"]?.stringValue ?? "")/\(metadata?["name"]?.stringValue ?? "")")
            }
            if kind == "ValidatingWebhookConfiguration" || kind == "MutatingWebhookConfiguration" {
              for hook in document["webhooks"]?.arrayValue ?? [] { webhooks.insert(hook["name"]?.stringValue ?? "") }
            }
          }
        }
        for wait in phase.wait {
          if case .endpoints(let namespace, let service) = wait {
            #expect(
              services.contains("\(namespace)/\(service)"),
              "\(phase.file): endpoints \(namespace)/\(service) is not created by \(name) \(version.version)")
            checked += 1
          }
          if case .condition(let condition) = wait {
            Issue.record(
              "\(phase.file): condition \(condition) names one object; use a generic wait (certificates: ready)")
          }
        }
        for probe in phase.webhookProbes {
          #expect(
            webhooks.contains(probe.webhook),
            "\(phase.file): probe \(probe.webhook) is not a webhook of \(name) \(version.version)")
          checked += 1
        }
      }
    }
    #expect(checked >= 30)
  }
}

extension PhaseSet {
  /// The phase named `name` (a test shorthand).
  func phase(_ name: String) -> PhaseSpec? { phases.first { $0.name.rawValue == name } }
}
