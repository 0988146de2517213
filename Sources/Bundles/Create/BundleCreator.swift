public import Archive
public import Foundation
import Images
public import Registry
import ServestackCore

/// Options of ``BundleCreator/create(content:spec:options:)``.
public struct BundleCreateOptions: Sendable {
  /// The tarball to write (replaced at the end; never left half-written).
  public var output: URL
  /// `none` by default: layers are already compressed, so zstd mostly costs time.
  public var compression: TarCompression = .none
  /// Overrides the spec's platforms when not empty.
  public var platforms: [Platform] = []
  /// When set, pulled blobs are kept there between runs (an OCI layout in `<dir>/oci`) and the tarball is
  /// copied from it: a second bundle from the same cache downloads only what is missing, at the price of
  /// writing every byte twice. When nil (the default) an uncompressed bundle's blobs are downloaded straight
  /// into the tarball, which is itself the resumable store (``BundleTarAssembler``); a compressed one uses
  /// `.<output>.work` next to the output, removed once the bundle is written.
  public var cacheDirectory: URL?
  /// Blob downloads at once, across all images.
  public var parallel = 8
  /// How to reach the upstream registries (credentials from ~/.docker/config.json by default).
  public var registryOptions = RegistryOptions()
  /// Pull these upstream registries' images from elsewhere; the bundle names them by their upstream names.
  public var registryMirrors: [RegistryMirror] = []
  /// Model files by model name (`--model NAME=PATH`), overriding the spec's `path:`.
  public var modelSources: [String: URL] = [:]
  /// Leave the spec's models out.
  public var skipModels = false
  /// KServe model formats whose serving runtime image the bundle must carry, found in the content's
  /// ClusterServingRuntimes (`bundle create --gpu-model torchserve`: `pytorch`); none found is an error.
  public var servingRuntimeFormats: [String] = []
  /// Images from OCI layouts on this machine (servestack's own image for the periodic job).
  public var localImages: [LocalImage] = []
  public var signingKey: BundleSigningKey?
  /// The `created` time recorded in bundle.yaml.
  public var created = Date()
  public var progress: BundleProgressHandler?

  public init(output: URL) { self.output = output }

  /// The folder for models, local images and (compressed bundles) blobs when no cache directory is given.
  var workDirectory: URL {
    output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).work")
  }
}

/// What ``BundleCreator/create(content:spec:options:)`` made.
public struct BundleCreateResult: Sendable {
  public var output: URL
  public var descriptor: BundleDescriptor
  /// The tarball's size on disk.
  public var archiveBytes: Int64
  public var blobsDownloaded: Int
  /// Blobs the cache already held (an earlier or interrupted run, or a layer shared between images).
  public var blobsCached: Int
  public var blobsResumed: Int
  public var bytesDownloaded: Int64
  public var signed: Bool
  /// Things worth saying that did not stop the bundle (strings where an image was expected).
  public var warnings: [String]
  /// The serving runtime images carried for `servingRuntimeFormats`, by model format.
  public var servingRuntimeImages: [String: [String]] = [:]
}

/// Makes airgap bundles.
public enum BundleCreator {
  /// Resolves every image `content` needs (plus the spec's extra images and model bases), packs the models
  /// as modelcars, and writes the tarball — downloading blobs straight into it, or, with a cache directory or
  /// compression, pulling them into that layout first and streaming from it: bundle.yaml, images/ (manifests and
  /// configs first, so `bundle inspect` stops early), phases/, manifests/, imagelists/, models/, the layers,
  /// then checksums.txt and the optional signature.
  ///
  /// #### Errors
  /// ``BundleError``: `.registry` when an image cannot be pulled (finished blobs stay in the cache), `.model`
  /// for missing model files, `.io` for local failures, `.invalidSpec` for a bad extra image.
  public static func create(content: BundleContent, spec: BundleSpec, options: BundleCreateOptions)
    async throws(BundleError)
    -> BundleCreateResult
  {
    let platforms = try resolvePlatforms(spec: spec, options: options)
    let extraction = content.extraction
    var warnings = extraction.problems.map { "no image read from \($0.description)" }
    var wanted = Set(extraction.references)
    for text in spec.images + (options.skipModels ? [] : spec.models.compactMap(\.base)) {
      do throws(ValueError) {
        wanted.insert(try ImageReference(text))
      } catch {
        throw BundleError(.invalidSpec, "bundle spec \(spec.origin): \(error)")
      }
    }
    var runtimeImages: [String: [String]] = [:]
    for format in options.servingRuntimeFormats {
      let found = content.servingRuntimeImages(format: format)
      guard !found.isEmpty else {
        throw BundleError(
          .invalidSpec,
          "the bundle's KServe manifests have no ClusterServingRuntime for model format \(format), so its model "
            + "could not be served in the air gap; use a stack set whose kserve-cluster-resources include one")
      }
      for text in found {
        do throws(ValueError) {
          wanted.insert(try ImageReference(text))
        } catch {
          throw BundleError(.invalidSpec, "the \(format) serving runtime's image \(text): \(error)")
        }
      }
      runtimeImages[format] = found
    }
    // Straight into the tarball unless the user keeps a cache or the bytes must go through a compressor.
    let direct = options.cacheDirectory == nil && options.compression == .none
    let store = options.cacheDirectory ?? options.workDirectory
    let layout: OCILayout
    do {
      layout = try OCILayout.openOrCreate(at: store.appendingPathComponent("oci"))
    } catch {
      throw BundleError(.io, "cannot open the bundle cache \(store.path): \(error.message)", cause: error)
    }
    let clients = RegistryClients(options: options.registryOptions, mirrors: options.registryMirrors)
    let collector = ImageCollector(
      layout: layout, clients: clients, platforms: platforms, parallel: options.parallel, progress: options.progress)
    var (images, counts) = try await collector.collect(wanted.sorted(), download: !direct)
    if direct && !options.skipModels {
      // A model's base image's config is read to build the modelcar: fetch those few configs first.
      let bases = Set(spec.models.compactMap { $0.base.flatMap { try? ImageReference($0) } })
      let configs = images.filter { bases.contains($0.reference) }.flatMap { image in
        (image.children.isEmpty ? [image.stored] : image.children).compactMap(\.config).map { ($0, image.reference) }
      }.filter { !layout.hasBlob($0.0.digest, size: $0.0.size) }
      try await collector.download(configs, counts: &counts)
    }
    images += try await collectLocal(options.localImages, into: layout)
    options.progress?(BundleProgress(stage: .models, itemsTotal: options.skipModels ? 0 : spec.models.count))
    let models =
      options.skipModels
      ? [] : try packModels(spec, images: images, platform: platforms[0], layout: layout, options: options)
    if options.skipModels && !spec.models.isEmpty {
      warnings.append("models left out (--no-models): \(spec.models.map(\.name).joined(separator: ", "))")
    }
    let plan = try BundlePlan(
      spec: spec, content: content, images: images, models: models, platforms: platforms, layout: layout,
      created: options.created)
    try FileManager.default.createDirectoryIfNeeded(options.output.deletingLastPathComponent())
    let archiveBytes: Int64
    if options.compression == .none {
      let assembled = try await BundleTarAssembler(
        entries: plan.entries, output: options.output, clients: clients, parallel: options.parallel,
        signingKey: options.signingKey, progress: options.progress
      ).assemble()
      archiveBytes = assembled.archiveBytes
      counts.blobsDownloaded += assembled.blobsDownloaded
      counts.bytesDownloaded += assembled.bytesDownloaded
      counts.blobsCached += assembled.blobsKept
    } else {
      archiveBytes = try await BundleArchiveWriter.write(
        plan.entries, to: options.output, compression: options.compression, signingKey: options.signingKey,
        progress: options.progress
      ).archiveBytes
    }
    if options.cacheDirectory == nil { try? FileManager.default.removeItem(at: options.workDirectory) }
    var result = BundleCreateResult(
      output: options.output, descriptor: plan.descriptor, archiveBytes: archiveBytes,
      blobsDownloaded: counts.blobsDownloaded, blobsCached: counts.blobsCached, blobsResumed: counts.blobsResumed,
      bytesDownloaded: counts.bytesDownloaded, signed: options.signingKey != nil, warnings: warnings)
    result.servingRuntimeImages = runtimeImages
    return result
  }

  /// The platforms a bundle is made for: `options.platforms` (`--platform`), else the spec's.
  public static func resolvePlatforms(spec: BundleSpec, options: BundleCreateOptions) throws(BundleError) -> [Platform]
  {
    if !options.platforms.isEmpty { return options.platforms }
    var platforms: [Platform] = []
    for text in spec.platforms {
      do throws(ValueError) {
        platforms.append(try Platform(text))
      } catch {
        throw BundleError(.invalidSpec, "bundle spec \(spec.origin): \(error)")
      }
    }
    guard !platforms.isEmpty else { throw BundleError(.invalidSpec, "bundle spec \(spec.origin) names no platform") }
    return platforms
  }

  /// Packs each model of the spec as a modelcar image (over its base image for `platform`, when it has one).
  static func packModels(
    _ spec: BundleSpec, images: [CollectedImage], platform: Platform, layout: OCILayout, options: BundleCreateOptions
  ) throws(BundleError) -> [PackedModel] {
    var packed: [PackedModel] = []
    for model in spec.models {
      guard let source = options.modelSources[model.name] ?? model.path else {
        throw BundleError(
          .model,
          "bundle spec \(spec.origin) carries model '\(model.name)' but no files were given: pass --model \(model.name)=DIR|FILE "
            + "(the model's files, e.g. a trained model.joblib), or --no-models to leave it out")
      }
      var base: (manifest: Manifest, config: [UInt8])?
      if let baseText = model.base {
        guard let reference = try? ImageReference(baseText),
          let image = images.first(where: { $0.reference == reference })
        else { throw BundleError(.model, "model \(model.name): base image \(baseText) was not pulled") }
        let manifest =
          image.children.isEmpty
          ? image.stored : image.children[image.platforms.firstIndex { platform.matches($0) } ?? 0]
        guard let config = manifest.config else {
          throw BundleError(.model, "model \(model.name): base \(baseText) has no config")
        }
        do {
          base = (manifest, try layout.readBlob(config.digest))
        } catch {
          throw BundleError(.model, "model \(model.name): \(error.message)", cause: error)
        }
      }
      let name = "\(BundleLayout.modelRegistry)/\(BundleLayout.modelRepositoryPrefix)/\(model.name):\(model.version)"
      guard let reference = try? ImageReference(name) else {
        throw BundleError(.invalidSpec, "model \(model.name) version '\(model.version)' is not usable as an image tag")
      }
      let car = try ModelCarBuilder.build(
        name: model.name, version: model.version, source: source, platform: platform, base: base, layout: layout)
      packed.append(PackedModel(spec: model, reference: reference, car: car))
    }
    return packed
  }
}

/// A model packed for the bundle.
struct PackedModel: Sendable {
  var spec: BundleSpec.Model
  var reference: ImageReference
  var car: ModelCar
}

extension FileManager {
  func createDirectoryIfNeeded(_ url: URL) throws(BundleError) {
    do {
      try createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw BundleError(.io, "cannot create \(url.path): \(error.localizedDescription)", cause: error)
    }
  }
}
