public import Foundation

extension PreflightRunner {
  /// The install phases among `selection`, rendered from manifests already at hand (local files, the cache,
  /// the `mirror`) for the per-object permission and webhook checks: preflight never waits on the internet.
  /// When they are not at hand, no phases and the note that says so, for ``run(selection:profile:rendered:options:note:)``.
  public static func renderAtHand(
    _ selection: [PhaseSpec], parameters: PhaseParameters, mirror: String?, cacheDirectory: URL?
  ) async -> (rendered: [RenderedPhase]?, note: String?) {
    var options = ManifestFetcher.Options(mirror: mirror, offline: mirror == nil)
    if let cacheDirectory { options.cacheDirectory = cacheDirectory }
    do {
      let renderer = PhaseRenderer(fetcher: try ManifestFetcher(options: options), parameters: parameters)
      return (try await renderer.render(selection.filter { $0.kind == .install }), nil)
    } catch {
      return (
        nil,
        "manifests not at hand (\(error.code)): permissions and webhooks were checked by kind, not per object; "
          + "`servestack plan` fetches them"
      )
    }
  }
}
