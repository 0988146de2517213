public import Foundation
public import Registry
import ServestackCore

/// An image from an OCI layout on this machine rather than a registry: servestack's own image (for the
/// periodic job inside the air gap), or a site's.
public struct LocalImage: Sendable {
  /// Its name in the bundle and the entry's `org.opencontainers.image.ref.name` in `layout`
  /// (`servestack.local/servestack:0.1.0` is pushed as `HOST/PREFIX/servestack:0.1.0`).
  public var name: ImageReference
  public var layout: URL

  public init(name: ImageReference, layout: URL) {
    self.name = name
    self.layout = layout
  }
}

extension BundleCreator {
  /// Copies each local image (one image manifest, not an index) into the cache layout.
  static func collectLocal(_ locals: [LocalImage], into layout: OCILayout) async throws(BundleError) -> [CollectedImage]
  {
    var collected: [CollectedImage] = []
    for local in locals {
      do {
        let source = try OCILayout.open(at: local.layout)
        guard let entry = try source.entry(named: local.name.description) else {
          throw BundleError(.invalidSpec, "the OCI layout \(local.layout.path) has no image named \(local.name)")
        }
        let manifest = try source.manifest(entry)
        guard manifest.manifests.isEmpty, let config = manifest.config else {
          throw BundleError(
            .invalidSpec, "\(local.name) in \(local.layout.path) must be one image manifest, not an index")
        }
        for blob in [config] + manifest.layers {
          try await layout.addBlob(fromFile: source.blobURL(blob.digest), expected: blob.digest, copy: true)
        }
        try await layout.addBlob(fromFile: source.blobURL(manifest.digest), expected: manifest.digest, copy: true)
        let configJSON = try JSONValue(parsing: try layout.readBlob(config.digest))
        let platform = Platform(
          os: configJSON["os"]?.stringValue ?? "linux",
          architecture: configJSON["architecture"]?.stringValue ?? "amd64",
          variant: configJSON["variant"]?.stringValue)
        collected.append(CollectedImage(reference: local.name, stored: manifest, children: [], platforms: [platform]))
      } catch let error as BundleError {
        throw error
      } catch {
        throw BundleError(
          .io, "cannot copy \(local.name) from \(local.layout.path): \(error.userMessage)", cause: error)
      }
    }
    return collected
  }
}
