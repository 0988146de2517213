import Foundation
import Phases
import ServestackCore
import Testing
import TestSupport

/// The phases embedded in the binary.
@Suite struct BuiltinPhaseTests {
  @Test(arguments: Profile.allCases)
  func loadsAndValidatesForEveryProfile(_ profile: Profile) throws {
    let set = try PhaseSet.builtin()
    let selected = set.selection(profile: profile)
    #expect(selected.first?.name.rawValue == "preflight")
    #expect(selected.filter { $0.kind == .install }.allSatisfy { !$0.wait.isEmpty || $0.name.rawValue == "kserve-cluster-resources" })
    for phase in selected where phase.kind == .install {
      #expect(phase.manifests(for: profile).allSatisfy { if case .url = $0.location { true } else { false } })
    }
    let matrix = VersionMatrix(set)
    #expect(matrix.kubernetes(for: profile).minimum == (try KubernetesVersion("1.30")))
  }

  @Test func defaultStackVersions() throws {
    let components = Dictionary(
      uniqueKeysWithValues: try PhaseSet.builtin().phases.compactMap(\.component).map { ($0.name, $0) })
    #expect(components["kserve"]?.version == "v0.16.0")
    #expect(components["istio"]?.version == "1.27.1")
    #expect(components["knative-serving"]?.version == "v1.15.2")
    #expect(components["net-istio"]?.version == "v1.15.1")
    #expect(components["kourier"]?.version == "v1.15.1")
    #expect(components["cert-manager"]?.version == "v1.16.1")
    #expect(components["istio"]?.kubernetes?.minimum.description == "1.29")
    #expect(components["knative-serving"]?.kubernetes?.minimum.description == "1.28")
    #expect(components["cert-manager"]?.kubernetes?.minimum.description == "1.22")
    #expect(components["kserve"]?.kubernetes?.recommended.description == "1.32")
  }

  /// The pins are the hashes of the fixtures' git copies: each URL's fixture must hash to its pin, and the
  /// pin must be the one the fixtures README lists for that file.
  @Test(.enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream; skipped"))
  func everyPinMatchesItsFixture() throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let readme = try String(contentsOf: fixtures.appendingPathComponent("README.md"), encoding: .utf8)
    var listed: [String: String] = [:]
    for line in readme.split(separator: "\n") {
      let parts = line.split(separator: " ", omittingEmptySubsequences: true)
      if parts.count == 2, parts[0].count == 64 { listed[String(parts[1])] = String(parts[0]) }
    }
    var checked = 0
    for phase in try PhaseSet.builtin().phases {
      for manifest in phase.manifests {
        guard case .url(let url, let pin) = manifest.location else { continue }
        let file = try #require(PhaseFixtures.upstreamFiles[url], "no fixture for \(url)")
        let data = try Data(contentsOf: fixtures.appendingPathComponent(file))
        #expect(Digest.sha256([UInt8](data)) == pin, "\(url)")
        #expect(listed[file] == pin.hex, "\(file) in the fixtures README")
        checked += 1
      }
    }
    #expect(checked == PhaseFixtures.upstreamFiles.count)
  }

  @Test(.enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary; skipped"))
  func versionsCommandPrintsTheMatrix() throws {
    let binary = try #require(TestEnvironment.servestackBinary)
    let json = try JSONValue(parsing: try Shell.check(binary.path, ["versions", "-o", "json"]))
    let components = try #require(json["components"]?.arrayValue)
    #expect(components.map { $0["component"]?.stringValue ?? "" } == ["cert-manager", "istio", "knative-serving", "net-istio", "kourier", "kserve"])
    #expect(components.last?["kubernetes"] == ["min": "1.30", "recommended": "1.32"])
    #expect(json[path: ["profiles", "raw", "kubernetesMin"]] == "1.30")
    let text = try Shell.check(binary.path, ["versions"])
    #expect(text.contains("kserve           v0.16.0  serverless,serverless-kourier,raw  1.30            1.32"))
    let folder = try PhaseFolder()
    try folder.write("10-demo.yaml", "name: demo\nkind: install\nmanifest: []\n")
    let bad = try Shell.run(binary.path, ["versions", "--phases", folder.path])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("10-demo.yaml:3:1: field 'manifest': unknown field 'manifest' (did you mean 'manifests'?)"))
  }
}
