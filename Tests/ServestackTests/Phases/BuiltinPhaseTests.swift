import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing

/// The phases embedded in the binary.
@Suite struct BuiltinPhaseTests {
  @Test("loads and validates for every profile", arguments: Profile.allCases)
  func loadsAndValidatesForEveryProfile(_ profile: Profile) throws {
    let set = try PhaseSet.builtin()
    let selected = set.selection(profile: profile)
    #expect(selected.first?.name.rawValue == "preflight")
    #expect(
      selected.filter { $0.kind == .install }.allSatisfy {
        !$0.wait.isEmpty || $0.name.rawValue == "kserve-cluster-resources"
      })
    for phase in selected where phase.kind == .install {
      #expect(phase.manifests(for: profile).allSatisfy { if case .url = $0.location { true } else { false } })
    }
    let matrix = VersionMatrix(set)
    #expect(matrix.kubernetes(for: profile).minimum == (try KubernetesVersion("1.30")))
  }

  @Test("default stack versions") func defaultStackVersions() throws {
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
  /// pin must be the one the fixtures README (or SOURCES-upgrade-chain.md) lists for that file; every
  /// manifest of every catalog version is checked.
  @Test(
    "every pin matches its fixture",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream; skipped"))
  func everyPinMatchesItsFixture() throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    var listed: [String: String] = [:]
    for name in ["README.md", "SOURCES-upgrade-chain.md"] {
      let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
      for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count >= 2, parts[0].count == 64 { listed[String(parts[1])] = String(parts[0]) }
      }
    }
    var checked = Set<String>()
    let catalog = try #require(try PhaseSet.catalog())
    for component in catalog.components.values {
      for version in component.versions {
        for manifest in version.manifests {
          guard case .url(let url, let pin) = manifest.source.location else { continue }
          let file = try #require(PhaseFixtures.upstreamFiles[url], "no fixture for \(url)")
          let data = try Data(contentsOf: fixtures.appendingPathComponent(file))
          #expect(Digest.sha256([UInt8](data)) == pin, "\(url)")
          #expect(listed[file] == pin.hex, "\(file) in the fixtures README or SOURCES-upgrade-chain.md")
          checked.insert(url)
        }
      }
    }
    #expect(checked == Set(PhaseFixtures.upstreamFiles.keys))
  }
}
