import Archive
import Foundation
import Registry
import ServestackCore

/// A model packed as a KServe "modelcar": an OCI image whose top layer holds the model files under
/// `/models`, so that an InferenceService can use `storageUri: oci://HOST/PREFIX/models/NAME:VERSION`
/// from the private registry.
///
/// KServe runs the modelcar image as a sidecar that links `/models` into the predictor and sleeps (it
/// needs `sh`), so a model meant for a real cluster names a `base:` image with a shell; without one the
/// image holds only the model layer (enough to carry and serve the bytes, as the tests do).
struct ModelCar: Sendable {
  var manifest: Manifest
  /// Files as they are in the layer and in models/<name>/: relative path → source file.
  var files: [(path: String, source: URL)]
  var modelBytes: Int64
}

enum ModelCarBuilder {
  /// Builds the modelcar for `source` (a directory, whose files keep their relative paths, or one file)
  /// into `layout`; `base` (its image manifest for the platform and config bytes) goes under the model layer.
  static func build(
    name: String, version: String, source: URL, platform: Platform, base: (manifest: Manifest, config: [UInt8])?,
    layout: OCILayout
  ) throws(BundleError) -> ModelCar {
    let files = try modelFiles(source, model: name)
    let layerFile = layout.temporaryURL(suffix: "modelcar.tar")
    let layer: (digest: Digest, size: Int64)
    do {
      let writer = try TarWriter(path: layerFile, compression: .none)
      try writer.addDirectory("models", mode: 0o755)
      var directories = Set<String>()
      for file in files {
        let parts = file.path.split(separator: "/").dropLast()
        for depth in parts.indices {
          let directory = "models/" + parts[...depth].joined(separator: "/")
          if directories.insert(directory).inserted { try writer.addDirectory(directory, mode: 0o755) }
        }
        try writer.addFile(at: file.source, as: "models/\(file.path)", mode: 0o644)
      }
      try writer.finish()
      let digest = try FileDigest.sha256Blocking(of: layerFile)
      layer = (digest.digest, digest.size)
      try FileManager.default.createDirectory(
        at: layout.blobURL(digest.digest).deletingLastPathComponent(), withIntermediateDirectories: true)
      if layout.hasBlob(digest.digest, size: digest.size) {
        try? FileManager.default.removeItem(at: layerFile)
      } else {
        try? FileManager.default.removeItem(at: layout.blobURL(digest.digest))
        try FileManager.default.moveItem(at: layerFile, to: layout.blobURL(digest.digest))
      }
    } catch {
      try? FileManager.default.removeItem(at: layerFile)
      throw BundleError.wrap(error, .model, "cannot pack model \(name) from \(source.path)")
    }
    let layerDescriptor = Descriptor(
      mediaType: MediaType.ociLayer, digest: layer.digest, size: layer.size,
      annotations: ["org.opencontainers.image.title": "models"])
    var config: JSONObject
    var layers: [Descriptor]
    if let base {
      guard case .object(let baseConfig) = (try? JSONValue(parsing: base.config)) ?? .null else {
        throw BundleError(.model, "the base image of model \(name) has a config that is not a JSON object")
      }
      config = baseConfig
      var rootfs = config["rootfs"]?.objectValue ?? ["type": "layers"]
      rootfs["diff_ids"] = .array((rootfs["diff_ids"]?.arrayValue ?? []) + [.string(layer.digest.description)])
      config["rootfs"] = .object(rootfs)
      // history must match the layers when present; a modelcar needs none.
      config.removeValue(forKey: "history")
      layers = base.manifest.layers + [layerDescriptor]
    } else {
      config = [
        "architecture": .string(platform.architecture), "os": .string(platform.os),
        "config": ["Labels": ["dev.servestack.model": .string("\(name):\(version)")]],
        "rootfs": ["type": "layers", "diff_ids": [.string(layer.digest.description)]],
      ]
      if let variant = platform.variant { config["variant"] = .string(variant) }
      layers = [layerDescriptor]
    }
    let configBytes = JSONValue.object(config).serializedBytes()
    do {
      let configDigest = try layout.addBlob(configBytes)
      let manifestJSON: JSONValue = [
        "schemaVersion": 2, "mediaType": .string(MediaType.ociManifest),
        "config": Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)).json,
        "layers": .array(layers.map(\.json)),
        "annotations": [
          "org.opencontainers.image.title": .string(name), "org.opencontainers.image.version": .string(version),
        ],
      ]
      let manifest = try Manifest(bytes: manifestJSON.serializedBytes(), context: "modelcar \(name)")
      try layout.addBlob(manifest.bytes)
      let modelBytes = files.reduce(Int64(0)) { total, file in
        total
          + Int64(
            (try? FileManager.default.attributesOfItem(atPath: file.source.path)[.size] as? NSNumber)??.int64Value ?? 0)
      }
      return ModelCar(manifest: manifest, files: files, modelBytes: modelBytes)
    } catch {
      throw BundleError.wrap(error, .model, "cannot store the modelcar of \(name)")
    }
  }

  /// The regular files of `source`, sorted, with their paths relative to it (a file: its own name).
  static func modelFiles(_ source: URL, model: String) throws(BundleError) -> [(path: String, source: URL)] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
      throw BundleError(
        .model, "model \(model): \(source.path) does not exist; give the model's files with --model \(model)=DIR|FILE")
    }
    guard isDirectory.boolValue else { return [(source.lastPathComponent, source)] }
    guard
      let enumerator = FileManager.default.enumerator(
        at: source, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey, .isDirectoryKey])
    else {
      throw BundleError(.model, "model \(model): cannot list \(source.path)")
    }
    var files: [(path: String, source: URL)] = []
    let base = source.standardizedFileURL.path
    for case let url as URL in enumerator {
      let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .isDirectoryKey])
      if values?.isSymbolicLink == true {
        throw BundleError(.model, "model \(model): \(url.path) is a symbolic link; copy the file it points to instead")
      }
      guard values?.isRegularFile == true else { continue }
      let full = url.standardizedFileURL.path
      guard full.hasPrefix(base + "/") else { continue }
      files.append((String(full.dropFirst(base.count + 1)), url))
    }
    guard !files.isEmpty else { throw BundleError(.model, "model \(model): \(source.path) holds no files") }
    return files.sorted { $0.path < $1.path }
  }
}
