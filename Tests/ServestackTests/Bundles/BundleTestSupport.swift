import Archive
import Bundles
import Foundation
import Phases
import Registry
import ServestackCore
import TestSupport
import Testing

/// The "internet" for bundle tests: registry A holds test-built images at the paths that
/// `--registry-mirror docker.io=http://A/hub` and `quay.io=http://A/quay` map upstream names to, and a phase
/// folder whose manifests name those images by their upstream names in every field kind the rewriter knows.
final class BundleWorld: @unchecked Sendable {
  // @unchecked Sendable: every stored property is immutable after init (TestRegistry and TemporaryDirectory
  // are Sendable; TestImages holds immutable values).
  let source: TestRegistry
  let directory: TemporaryDirectory
  let images: TestImages
  let mirrors: [RegistryMirror]

  static let multi = "docker.io/testorg/app-multi:1.0"
  static let single = "quay.io/testorg/app-single:1.0"

  var phasesDirectory: URL { directory.file("phases") }
  var modelFile: URL { directory.file("model/model.joblib") }
  var cacheDirectory: URL { directory.file("cache") }
  /// `docker.io/testorg/app-single@sha256:…` (a single manifest, pinned by digest).
  var pinnedSingle: String { "docker.io/testorg/app-single@\(images.single.digest)" }

  init(baseSize: Int = 150_000, layerSize: Int = 60_000) async throws {
    source = try await TestRegistry.start()
    let directory = try TemporaryDirectory(prefix: "servestack-bundle-world")
    self.directory = directory
    images = try await TestBlocking.run {
      try TestImages.make(in: directory.file("src-oci"), baseSize: baseSize, layerSize: layerSize)
    }
    let client = try RegistryClient(host: source.host, options: testOptions())
    for (name, target) in [
      (TestImages.multiName, "hub/testorg/app-multi:1.0"), (TestImages.singleName, "hub/testorg/app-single:1.0"),
      (TestImages.singleName, "quay/testorg/app-single:1.0"),
    ] {
      _ = try await client.push(from: images.layout, name: name, to: try ImageReference("\(source.host)/\(target)"))
    }
    mirrors = [
      try RegistryMirror(parsing: "docker.io=http://\(source.host)/hub"),
      try RegistryMirror(parsing: "quay.io=http://\(source.host)/quay"),
    ]
    try directory.write("model/model.joblib", "sklearn iris model bytes for tests\n")
    let manifest = Self.manifest(pinned: pinnedSingle)
    try directory.write("upstream/demo.yaml", manifest)
    try directory.write(
      "phases/10-demo.yaml",
      """
      name: demo
      kind: install
      profiles: [serverless]
      component: {name: demo, version: v1}
      manifests:
        - path: ../upstream/demo.yaml
          sha256: \(Digest.sha256(manifest).hex)
      wait:
        - workloads: available
      """)
  }

  /// A manifest with images in a Deployment (containers and initContainers), a Job's env, a ConfigMap's
  /// JSON (image + defaultImageVersion), Knative's config-deployment and an image flag.
  static func manifest(pinned: String) -> String {
    """
    apiVersion: v1
    kind: Namespace
    metadata: {name: demo}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: demo}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          initContainers: [{name: init, image: "\(single)"}]
          containers:
          - name: app
            image: "\(multi)"
            args: ["--helper-image=\(single)"]
    ---
    apiVersion: batch/v1
    kind: Job
    metadata: {name: setup, namespace: demo}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: setup
            image: "\(pinned)"
            env: [{name: WORKER_IMAGE, value: "\(multi)"}]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: inferenceservice-config, namespace: demo}
    data:
      agent: '{"image": "testorg/app-single", "defaultImageVersion": "1.0"}'
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: config-deployment, namespace: demo}
    data:
      queue-sidecar-image: "\(multi)"
      registries-skipping-tag-resolving: "kind.local,ko.local,dev.local"
    """
  }

  func spec(models: Bool = true) -> BundleSpec {
    BundleSpec(
      name: "test", profile: "serverless", platforms: ["linux/amd64"],
      models: models
        ? [
          BundleSpec.Model(
            name: "sklearn-iris", version: "1.0", storageUri: "gs://kfserving-examples/models/sklearn/1.0/model")
        ]
        : [])
  }

  func options(output: URL, cache: URL? = nil) -> BundleCreateOptions {
    var options = BundleCreateOptions(output: output)
    options.registryOptions = testOptions()
    options.registryMirrors = mirrors
    options.cacheDirectory = cache ?? cacheDirectory
    options.modelSources = ["sklearn-iris": modelFile]
    options.created = Date(timeIntervalSince1970: 1_800_000_000)
    return options
  }

  func fetcher() throws -> ManifestFetcher {
    try ManifestFetcher(options: .init(cacheDirectory: directory.file("manifest-cache"), offline: true))
  }

  /// Creates a bundle of the demo phase.
  func create(
    _ name: String = "bundle.tar", compression: TarCompression = .none, signingKey: BundleSigningKey? = nil,
    configure: (inout BundleCreateOptions) -> Void = { _ in }
  ) async throws -> BundleCreateResult {
    var options = options(output: directory.file(name))
    options.compression = compression
    options.signingKey = signingKey
    configure(&options)
    return try await BundleCreator.create(
      spec: spec(), phaseSet: try PhaseSet.load(directory: phasesDirectory), fetcher: try fetcher(), options: options)
  }
}

/// Tarball surgery for verify tests: copies `source` to `destination` entry by entry (through our reader and
/// writer), dropping, replacing or adding members.
func rewriteTar(
  _ source: URL, to destination: URL, drop: Set<String> = [], replace: [String: [UInt8]] = [:],
  add: [(String, [UInt8])] = []
) async throws {
  try await TarReader.withReader(archive: source) { reader in
    let writer = try TarWriter(path: destination, compression: .none)
    while let entry = try reader.next() {
      guard entry.type == .file, !drop.contains(entry.path) else { continue }
      try writer.addData(replace[entry.path] ?? reader.readAll(maxBytes: 64 << 20), as: entry.path)
    }
    for (path, bytes) in add { try writer.addData(bytes, as: path) }
    try writer.finish()
  }
}

/// Every file under `directory`, relative paths.
func filesUnder(_ directory: URL) -> Set<String> {
  var result = Set<String>()
  guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return result }
  while let path = enumerator.nextObject() as? String { result.insert(path) }
  return result
}
