import Foundation
import Images
import Registry
import ServestackCore

/// The tarball's entries in order, and bundle.yaml, worked out before anything is written.
struct BundlePlan {
  let descriptor: BundleDescriptor
  let entries: [BundleEntry]

  init(
    spec: BundleSpec, content: BundleContent, images: [CollectedImage], models: [PackedModel], platforms: [Platform],
    layout: OCILayout, created: Date
  ) throws(BundleError) {
    let images = images.sorted { $0.reference < $1.reference }
    var indexEntries: [JSONValue] = []
    var manifestBlobs: [(Digest, [UInt8])] = []
    var configBlobs: [Descriptor] = []
    var layerBlobs: [Descriptor] = []
    var seen = Set<Digest>()
    func addManifest(_ manifest: Manifest) {
      if seen.insert(manifest.digest).inserted { manifestBlobs.append((manifest.digest, manifest.bytes)) }
    }
    func addBlobs(of manifest: Manifest) {
      if let config = manifest.config, seen.insert(config.digest).inserted { configBlobs.append(config) }
      for layer in manifest.layers where seen.insert(layer.digest).inserted { layerBlobs.append(layer) }
    }
    var imageRecords: [BundleDescriptor.Image] = []
    var sources: [Digest: ImageReference] = [:]
    for image in images {
      for blob in image.blobs where sources[blob.digest] == nil { sources[blob.digest] = image.reference }
    }
    // A blob the layout holds is copied from it; any other is downloaded into its place in the tarball.
    func blobEntry(_ blob: Descriptor) -> BundleEntry {
      let path = BundleLayout.blobPath(blob.digest)
      if let source = sources[blob.digest], !layout.hasBlob(blob.digest, size: blob.size) {
        return .remote(path: path, blob, source: source)
      }
      return .file(path: path, layout.blobURL(blob.digest), expected: blob.digest)
    }
    for image in images {
      let name = image.reference.description
      indexEntries.append(image.stored.descriptor(annotations: [Descriptor.refNameAnnotation: name]).json)
      addManifest(image.stored)
      image.children.forEach(addManifest)
      for manifest in image.children.isEmpty ? [image.stored] : image.children { addBlobs(of: manifest) }
      imageRecords.append(
        BundleDescriptor.Image(
          name: name, digest: image.stored.digest, mediaType: image.stored.mediaType,
          platforms: image.platforms.map(\.description), size: image.size, blobs: image.blobs.count))
    }
    var modelRecords: [BundleDescriptor.Model] = []
    var modelEntries: [BundleEntry] = []
    for model in models {
      let manifest = model.car.manifest
      indexEntries.append(
        manifest.descriptor(annotations: [Descriptor.refNameAnnotation: model.reference.description]).json)
      addManifest(manifest)
      addBlobs(of: manifest)
      let files = model.car.files.map { BundleLayout.modelPath(model: model.spec.name, file: $0.path) }
      for (file, path) in zip(model.car.files, files) {
        modelEntries.append(.file(path: path, file.source, expected: nil))
      }
      modelRecords.append(
        BundleDescriptor.Model(
          name: model.spec.name, version: model.spec.version, image: model.reference.description,
          digest: manifest.digest,
          storageUri: model.spec.storageUri, files: files, size: model.car.modelBytes))
    }
    let index: JSONValue = [
      "schemaVersion": 2, "mediaType": .string(MediaType.ociIndex), "manifests": .array(indexEntries),
    ]
    let indexBytes = index.serializedBytes()
    let layoutBytes = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
    let blobBytes =
      manifestBlobs.reduce(Int64(0)) { $0 + Int64($1.1.count) } + (configBlobs + layerBlobs).reduce(0) { $0 + $1.size }
    descriptor = BundleDescriptor(
      name: spec.name, toolVersion: ToolInfo.version, created: created, profile: content.profile, stack: content.stack,
      platforms: platforms.map(\.description), phases: content.phaseFiles.map(\.fileName), images: imageRecords,
      models: modelRecords,
      totals: BundleDescriptor.Totals(
        images: imageRecords.count + modelRecords.count, blobs: configBlobs.count + layerBlobs.count,
        bytes: blobBytes + Int64(indexBytes.count + layoutBytes.count)), stackSet: content.stackSet,
      upgradeFrom: content.upgradeFrom)
    var entries: [BundleEntry] = [
      .bytes(path: BundleLayout.descriptorFile, Array(try descriptor.yaml().utf8)),
      .bytes(path: BundleLayout.ociLayoutFile, layoutBytes),
      .bytes(path: BundleLayout.ociIndexFile, indexBytes),
    ]
    // Manifests and configs first: `bundle inspect` reads them and stops before the layers.
    entries += manifestBlobs.map { .bytes(path: BundleLayout.blobPath($0.0), $0.1) }
    entries += configBlobs.map(blobEntry)
    entries += content.phaseFiles.map { .bytes(path: BundleLayout.phasePath($0.fileName), Array($0.text.utf8)) }
    entries += content.stackFiles.map { .bytes(path: BundleLayout.stackPath($0.fileName), Array($0.text.utf8)) }
    entries += content.manifestFiles.map { .bytes(path: $0.path, $0.bytes) }
    entries += content.imageLists.map {
      .bytes(path: BundleLayout.imageListPath("\($0.name).txt"), Array($0.text.utf8))
    }
    entries += modelEntries
    entries += layerBlobs.sorted { $0.digest < $1.digest }.map(blobEntry)
    var paths = Set<String>()
    for entry in entries where !paths.insert(entry.path).inserted {
      throw BundleError(.invalidSpec, "two files of the bundle would be stored at \(entry.path); rename one")
    }
    self.entries = entries
  }
}
