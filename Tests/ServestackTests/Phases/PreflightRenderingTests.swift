import Foundation
import Phases
import TestSupport
import Testing

/// Preflight renders the install phases only from manifests at hand, and says so when they are not.
@Suite(
  "Preflight rendering: manifests at hand or a note",
  .enabled(if: TestEnvironment.hasUpstreamFixtures, Comment(rawValue: TestEnvironment.missingFixturesReason)))
struct PreflightRenderingTests {
  @Test("with a mirror the install phases are rendered; offline with an empty cache, none and a note why")
  func atHandOrNote() async throws {
    let stack = try ModernStack()
    let selection = try PhaseSet.builtin().selection(profile: .serverless)
    let parameters = try PhaseParameters(profile: .serverless)
    let mirrored = await PreflightRunner.renderAtHand(
      selection, parameters: parameters, mirror: stack.mirror.base, cacheDirectory: stack.cache.url)
    #expect(mirrored.note == nil)
    #expect(mirrored.rendered?.count == selection.filter { $0.kind == .install }.count)

    let empty = try TemporaryDirectory()
    let offline = await PreflightRunner.renderAtHand(
      selection, parameters: parameters, mirror: nil, cacheDirectory: empty.url)
    #expect(offline.rendered == nil)
    #expect(offline.note?.hasPrefix("manifests not at hand (") == true, "\(offline.note ?? "no note")")
  }
}
