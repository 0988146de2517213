import Foundation
import Images
import Registry
import ServestackCore
import TestSupport
import Testing

/// Our extraction against the reference lists collected independently with PyYAML
/// (`../shared/fixtures/upstream/imagelists`, see its README.upstream-collection.md).
///
/// Both sides are compared as normalized ``ImageReference``s: the reference lists write images as the
/// manifests do (`kserve/agent:v0.16.0`, `busybox:1.28`), we write them canonically
/// (`docker.io/kserve/agent:v0.16.0`); the reference's untagged `kserve/art-explainer` and its composed
/// `kserve/art-explainer:latest` are one image once normalized.
@Suite(
  "Image extraction vs the upstream reference lists",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream (set SERVESTACK_SHARED)"))
struct UpstreamImageListTests {
  /// Every accepted difference, with the reason. A difference not listed here fails the test, and so does
  /// an entry here that no longer happens.
  ///
  /// Today there is none: the reference's extra sources (`--*image*=` container args for cert-manager's
  /// ACME solver, Istio's `busybox:1.28` in the grpc-simple injection template, Istio's hub + image + tag
  /// composition, KServe's image + defaultImageVersion) are sources ImageExtractor reads too.
  static let explained: [String: (extra: [String: String], missing: [String: String])] = [:]

  static let lists = [
    "cert-manager-v1.16.1", "istio-1.27.1", "knative-serving-v1.15.2", "kserve-v0.15.2", "kserve-v0.16.0",
    "net-istio-v1.15.1", "net-kourier-v1.15.1",
  ]

  @Test("each fixture manifest set yields its reference list", arguments: lists)
  func compare(list: String) throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let text = try String(contentsOf: fixtures.appendingPathComponent("imagelists/\(list).txt"), encoding: .utf8)
    let reference = Set(try ImageList(name: list, text: text).references)
    let manifests = try ImageLists.loadManifests(directory: fixtures)
    let key = try #require(manifests.keys.first { $0.description == list }, "no manifests for \(list)")
    let extraction = ImageExtractor().extract(from: try #require(manifests[key]))
    let ours = Set(extraction.references)

    let extra = ours.subtracting(reference).map(\.description).sorted()  // we find, the reference does not
    let missing = reference.subtracting(ours).map(\.description).sorted()  // the reference has, we do not
    let accepted = Self.explained[list] ?? (extra: [:], missing: [:])
    #expect(extra == accepted.extra.keys.sorted(), "unexplained extra images in \(list)")
    #expect(missing == accepted.missing.keys.sorted(), "unexplained missing images in \(list)")
    #expect(extraction.problems.isEmpty, "\(extraction.problems.map(\.description))")
    // Every image says why it is needed.
    for image in ours { #expect(!extraction.occurrences(of: image).isEmpty) }
  }

  @Test("the committed imagelists/ match the fixture manifests (no drift)")
  func committedLists() throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let lists = try ImageLists.loadLists(directory: TestEnvironment.packageRoot.appendingPathComponent("imagelists"))
    let manifests = try ImageLists.loadManifests(directory: fixtures)
    // One list for every component version of the fixtures (the upgrade chain's included), and no other.
    #expect(Set(lists.map(\.name)) == Set(manifests.keys.map(\.description)))
    #expect(Set(Self.lists).isSubset(of: Set(lists.map(\.name))))
    let report = ImageLists.check(lists: lists, manifestsByComponent: manifests)
    #expect(!report.hasDrift, "\(report.summary)")
    #expect(report.matching.count == manifests.count)
    for list in lists {
      let text = try String(
        contentsOf: TestEnvironment.packageRoot.appendingPathComponent("imagelists/\(list.name).txt"), encoding: .utf8)
      #expect(text.hasPrefix(ImageList.header + "\n"))
      #expect(text == list.text, "\(list.name).txt is not in the form --write writes")
    }
  }
}
