import Archive
import ArgumentParser
import Bundles
import Conformance
import Foundation
import Phases
import Registry
import ServestackCore

extension Servestack.BundleCommand {
  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Pack manifests, every image and the test models into one tarball.",
      discussion: """
        Each blob is downloaded once (--parallel at a time) straight into its place in the tarball, hashed as \
        it arrives; an interrupted run leaves .<output>.partial and resumes from it when run again with the same \
        -o, without downloading finished blobs again. With --cache-dir (or --compress), blobs are pulled into \
        that OCI layout first and the tarball is written from it. Examples:
          servestack bundle create -o kserve.tar --model sklearn-iris=./model
          servestack bundle create --spec raw --platform linux/amd64,linux/arm64 -o raw.tar.zst --compress zstd --no-models
          servestack bundle create -o b.tar --registry-mirror docker.io=http://127.0.0.1:5001 --mirror http://10.0.0.5:8080
        """)

    @Option(
      help: ArgumentHelp(
        "A built-in bundle spec (default, serverless-kourier, raw) or a spec file.", valueName: "name|file"))
    var spec: String?

    @Option(help: ArgumentHelp("The profile (default: the spec's).", valueName: "profile"))
    var profile: String?

    @Option(
      help: ArgumentHelp(
        "Platforms to keep, comma-separated or repeated (default: the spec's).", valueName: "os/arch[,…]"))
    var platform: [String] = []

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The bundle file to write.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("none (default: layers are compressed already), zstd or gzip.", valueName: "kind"))
    var compress: String = "none"

    @Option(
      help: ArgumentHelp(
        "Sign checksums.txt with this ed25519 private key (PEM or base64 raw seed).", valueName: "file"))
    var signKey: String?

    @Option(
      help: ArgumentHelp(
        "Fetch manifest URLs from this base URL instead of upstream (paths kept; sha256 pins still apply).",
        valueName: "url"))
    var mirror: String?

    @Option(
      help: ArgumentHelp(
        "Pull an upstream registry's images from another registry, recorded under their upstream names (repeatable).",
        valueName: "upstream=url"))
    var registryMirror: [String] = []

    @Option(help: "Blob downloads at once.")
    var parallel = 8

    @Option(
      help: ArgumentHelp(
        "Keep pulled blobs in this OCI layout between runs (default: none; blobs go straight into the tarball).",
        valueName: "dir"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("A model's files: a directory or one file (repeatable).", valueName: "name=path"))
    var model: [String] = []

    @Flag(help: "Leave the spec's test models out.")
    var noModels = false

    @Option(
      help: ArgumentHelp(
        "Also carry this GPU test model and its serving runtime image: torchserve (KServe's TorchServe GPU example).",
        valueName: "model"))
    var gpuModel: String?

    @Option(help: ArgumentHelp("The --gpu-model's files (its storageUri's content).", valueName: "dir"))
    var gpuModelDir: String?

    @Option(help: ArgumentHelp("Use the phase files of this folder instead of the built-in ones.", valueName: "dir"))
    var phases: String?

    @Option(
      help: ArgumentHelp(
        "Pack this stack set of the version catalog (default: the newest; servestack versions lists them).",
        valueName: "name"))
    var stack: String?

    @Option(
      help: ArgumentHelp(
        "Also carry this installed set and every upgrade step from it to --stack (servestack upgrade apply --bundle).",
        valueName: "name"))
    var upgradeFrom: String?

    func validate() throws {
      guard TarCompression(rawValue: compress) != nil else {
        throw ValidationError("--compress must be none, zstd or gzip")
      }
      guard parallel >= 1 && parallel <= 64 else { throw ValidationError("--parallel must be between 1 and 64") }
    }

    @Flag(help: "Leave out servestack's own image (what `servestack job` runs inside the air gap).")
    var noSelfImage = false

    func run() async throws {
      var specValue = try BundleSpec.resolve(spec)
      var options = BundleCreateOptions(output: URL(fileURLWithPath: output))
      options.compression = TarCompression(rawValue: compress) ?? .none
      options.platforms = try platform.flatMap { $0.split(separator: ",") }.map { try Platform(String($0)) }
      options.parallel = parallel
      if let cacheDir { options.cacheDirectory = URL(fileURLWithPath: cacheDir) }
      options.registryMirrors = try registryMirror.map { try RegistryMirror(parsing: $0) }
      options.skipModels = noModels
      for entry in model {
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
          throw ValidationError("--model \(entry): expected NAME=DIR|FILE")
        }
        options.modelSources[String(entry[..<equals])] = URL(
          fileURLWithPath: String(entry[entry.index(after: equals)...]))
      }
      try Self.addGPUModel(gpuModel, directory: gpuModelDir, spec: &specValue, options: &options)
      if let signKey { options.signingKey = try BundleSigningKey(contentsOf: URL(fileURLWithPath: signKey)) }
      let selfImageLayout = FileManager.default.temporaryDirectory.appendingPathComponent(
        "servestack-self-image-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: selfImageLayout) }
      if !noSelfImage {
        options.localImages = try await Self.selfImage(into: selfImageLayout, options: options, spec: specValue)
      }
      let printer = BundleProgressPrinter()
      options.progress = printer.handler
      let fetcher = try ManifestFetcher(options: ManifestFetcher.Options(mirror: mirror))
      let chosenProfile = try profile.map { try Profile(parsing: $0) }
      let start = Date()
      let result: BundleCreateResult
      do {
        result = try await BundleCreator.create(
          spec: specValue, phases: phases.map { URL(fileURLWithPath: $0) }, stack: stack, upgradeFrom: upgradeFrom,
          profile: chosenProfile, fetcher: fetcher, options: options)
      } catch {
        printer.finish()
        throw error
      }
      printer.finish()
      for warning in result.warnings { Terminal.standardError.write("warning: \(warning)\n") }
      let seconds = Date().timeIntervalSince(start)
      let descriptor = result.descriptor
      print(
        "wrote \(result.output.path) (\(formatBytes(result.archiveBytes)), \(options.compression.rawValue)\(result.signed ? ", signed" : ""))"
      )
      if let name = descriptor.stackSet {
        print(
          "  stack set \(name): " + descriptor.stack.map { "\($0.component) \($0.version)" }.joined(separator: ", "))
      }
      if let from = descriptor.upgradeFrom {
        print(
          "  upgrade from \(from.name): "
            + from.components.map { "\($0.component) \($0.version)" }.joined(separator: ", "))
      }
      print("  profile \(descriptor.profile), platforms \(descriptor.platforms.joined(separator: ", "))")
      print(
        "  \(descriptor.totals.images) images, \(descriptor.totals.blobs) blobs, \(formatBytes(descriptor.totals.bytes)) in images/"
      )
      print(
        "  downloaded \(result.blobsDownloaded) blobs (\(formatBytes(result.bytesDownloaded))), \(result.blobsCached) from the cache"
          + (result.blobsResumed > 0 ? ", \(result.blobsResumed) resumed" : "") + ", in \(formatSeconds(seconds))")
      if !descriptor.models.isEmpty {
        print("  models: " + descriptor.models.map { "\($0.name):\($0.version)" }.joined(separator: ", "))
      }
      for (format, images) in result.servingRuntimeImages.sorted(by: { $0.key < $1.key }) {
        print("  \(format) serving runtime: " + images.joined(separator: ", "))
      }
      if !options.localImages.isEmpty {
        print("  also carried: " + options.localImages.map(\.name.description).joined(separator: ", "))
      }
    }

    /// servestack's own image (this binary and the libraries it loads) when the bundle is for this machine's
    /// architecture; `bundle push` puts it at HOST/PREFIX/servestack:VERSION.
    static func selfImage(into layout: URL, options: BundleCreateOptions, spec: BundleSpec) async throws -> [LocalImage]
    {
      let architecture = SelfImageBuilder.currentArchitecture()
      let wanted = try BundleCreator.resolvePlatforms(spec: spec, options: options)
      guard wanted.contains(where: { $0.os == "linux" && $0.architecture == architecture }) else {
        Terminal.standardError.write(
          "warning: servestack's own image is linux/\(architecture), not in the bundle's platforms; left out\n")
        return []
      }
      let name = try ImageReference("\(BundleLayout.modelRegistry)/servestack:\(ToolInfo.version)")
      _ = try await SelfImageBuilder.build(
        binary: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), into: layout,
        reference: name.description)
      return [LocalImage(name: name, layout: layout)]
    }
  }
}
