import Archive
import Bundles
import Foundation
import Images
import Registry
import ServestackCore
import TestSupport
import Testing

/// A bundle that needs no registry: one manifest without images, and a model packed as a modelcar.
struct SmallBundle {
  let directory: TemporaryDirectory
  let result: BundleCreateResult
  var url: URL { result.output }

  static let manifest = "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n"

  init(signingKey: BundleSigningKey? = nil, compression: TarCompression = .none) async throws {
    directory = try TemporaryDirectory(prefix: "servestack-small-bundle")
    let model = try directory.write("model/model.joblib", String(repeating: "MODELDATA-", count: 2000))
    try directory.write("model/sub/meta.json", #"{"framework": "sklearn"}"#)
    let content = BundleContent(
      profile: "raw", stack: [("demo", "v1")],
      phaseFiles: [BundleContent.PhaseFile(fileName: "10-demo.yaml", text: "name: demo\nkind: install\n")],
      manifestFiles: [
        BundleContent.ManifestFile(
          component: "demo", version: "v1", fileName: "demo.yaml", bytes: Array(Self.manifest.utf8))
      ],
      objectsByComponent: [])
    var options = BundleCreateOptions(output: directory.file("small.tar"))
    options.cacheDirectory = directory.file("cache")
    options.modelSources = ["iris": model.deletingLastPathComponent()]
    options.signingKey = signingKey
    options.compression = compression
    let spec = BundleSpec(name: "small", profile: "raw", models: [BundleSpec.Model(name: "iris", version: "2")])
    result = try await BundleCreator.create(content: content, spec: spec, options: options)
  }

  func copy(_ name: String) throws -> URL {
    let target = directory.file(name)
    try FileManager.default.copyItem(at: url, to: target)
    return target
  }
}

@Suite("Bundle verify, inspect and hostile bundles")
struct BundleVerifyTests {
  @Test("a fresh bundle verifies and its layout is complete") func aFreshBundleVerifiesAndItsLayoutIsComplete()
    async throws
  {
    let bundle = try await SmallBundle()
    let result = try await BundleVerifier.verify(bundle.url)
    #expect(result.isValid, "\(result.summary)")
    #expect(result.signature == .unsigned)
    #expect(result.warnings.contains { $0.contains("not signed") })
    let paths = try await TarReader.list(archive: bundle.url).map(\.path)
    for path in [
      "bundle.yaml", "checksums.txt", "phases/10-demo.yaml", "manifests/demo/v1/demo.yaml",
      "images/oci-layout", "images/index.json", "models/iris/model.joblib", "models/iris/sub/meta.json",
    ] {
      #expect(paths.contains(path), "\(path)")
    }
    #expect(paths.last == "checksums.txt")
    // checksums.txt lists every other file, sorted, in sha256sum's format.
    let extracted = try TemporaryDirectory(prefix: "servestack-small-extract")
    _ = try await TarExtractor.extract(bundle.url, to: extracted.url)
    let check = try await Shell.runAsync(
      "sha256sum", ["-c", "--quiet", "checksums.txt"], currentDirectory: extracted.url)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    let listed = try String(contentsOf: extracted.file("checksums.txt"), encoding: .utf8).split(separator: "\n").map {
      $0.dropFirst(66)
    }
    #expect(listed == listed.sorted())
    #expect(listed.count == paths.count - 1)
    // The modelcar is an image of images/: its layer holds models/…
    let layout = try OCILayout.open(at: extracted.file("images"))
    let entry = try #require(try layout.entry(named: "servestack.local/models/iris:2"))
    let manifest = try layout.manifest(entry)
    let layer = try #require(manifest.layers.first)
    let layerEntries = try await TarReader.list(archive: layout.blobURL(layer.digest)).map(\.path)
    #expect(layerEntries == ["models/", "models/model.joblib", "models/sub/", "models/sub/meta.json"])
  }

  @Test("a tampered byte is found") func aTamperedByteIsFound() async throws {
    let bundle = try await SmallBundle()
    let tampered = try bundle.copy("tampered.tar")
    var bytes = Array(try Data(contentsOf: tampered))
    let marker = Array("MODELDATA-".utf8)
    let offset = try #require(bytes.indices.first { bytes[$0...].starts(with: marker) })
    bytes[offset + 3] ^= 0x20
    try Data(bytes).write(to: tampered)
    let result = try await BundleVerifier.verify(tampered)
    #expect(!result.isValid)
    #expect(
      result.problems.contains { $0.kind == .mismatch && $0.path == "models/iris/model.joblib" }, "\(result.summary)")
    // The same byte inside the modelcar layer blob is a blob mismatch too.
    let second = try #require(
      bytes.indices.dropFirst(offset + 100).first { bytes[$0...].starts(with: marker) && $0 > offset + 20_000 })
    bytes[second] ^= 0x01
    try Data(bytes).write(to: tampered)
    let again = try await BundleVerifier.verify(tampered)
    #expect(again.problems.contains { $0.kind == .blobMismatch }, "\(again.summary)")
  }

  @Test("a truncated bundle is refused") func aTruncatedBundleIsRefused() async throws {
    let bundle = try await SmallBundle()
    let truncated = try bundle.copy("truncated.tar")
    let size = try #require(try FileManager.default.attributesOfItem(atPath: truncated.path)[.size] as? NSNumber)
      .intValue
    let handle = try FileHandle(forWritingTo: truncated)
    try handle.truncate(atOffset: UInt64(size / 2))
    try handle.close()
    let result = try await BundleVerifier.verify(truncated)
    #expect(!result.isValid)
    #expect(result.problems.contains { $0.kind == .archive }, "\(result.summary)")
  }

  @Test("extra and missing files are listed") func extraAndMissingFilesAreListed() async throws {
    let bundle = try await SmallBundle()
    let changed = bundle.directory.file("changed.tar")
    try await rewriteTar(
      bundle.url, to: changed, drop: ["manifests/demo/v1/demo.yaml"],
      add: [("phases/99-evil.yaml", Array("name: evil\n".utf8))])
    let result = try await BundleVerifier.verify(changed)
    #expect(
      result.problems.contains { $0.kind == .missing && $0.path == "manifests/demo/v1/demo.yaml" }, "\(result.summary)")
    #expect(result.problems.contains { $0.kind == .extra && $0.path == "phases/99-evil.yaml" }, "\(result.summary)")
    #expect(result.problems.count == 2)
  }

  @Test("signatures are checked") func signaturesAreChecked() async throws {
    let key = BundleSigningKey()
    let bundle = try await SmallBundle(signingKey: key)
    #expect(try await BundleVerifier.verify(bundle.url, key: key.publicKey).signature == .valid)
    let unchecked = try await BundleVerifier.verify(bundle.url)
    #expect(unchecked.isValid && unchecked.signature == .notChecked)
    let other = try await BundleVerifier.verify(bundle.url, key: BundleSigningKey().publicKey)
    #expect(other.signature == .invalid && !other.isValid)
    #expect(other.problems.contains { $0.kind == .signature })
    // A checksums.txt changed to match a changed file breaks the signature.
    let forged = bundle.directory.file("forged.tar")
    var checksums = try BundleChecksums(parsing: try await extractMember(bundle.url, "checksums.txt"))
    let newManifest = Array("apiVersion: v1\nkind: Namespace\nmetadata: {name: evil}\n".utf8)
    checksums.digests["manifests/demo/v1/demo.yaml"] = Digest.sha256(newManifest)
    try await rewriteTar(
      bundle.url, to: forged, replace: ["manifests/demo/v1/demo.yaml": newManifest, "checksums.txt": checksums.bytes])
    let forgedResult = try await BundleVerifier.verify(forged, key: key.publicKey)
    #expect(forgedResult.signature == .invalid)
    #expect(forgedResult.problems.map(\.kind) == [.signature], "\(forgedResult.summary)")
    // Unsigned with a key, or with a signature required, fails.
    let unsigned = try await SmallBundle()
    #expect(!(try await BundleVerifier.verify(unsigned.url, key: key.publicKey)).isValid)
    #expect(!(try await BundleVerifier.verify(unsigned.url, requireSignature: true)).isValid)
  }

  @Test("key files interoperate with open SSL") func keyFilesInteroperateWithOpenSSL() throws {
    let directory = try TemporaryDirectory(prefix: "servestack-keys")
    let privatePEM = directory.file("key.pem")
    try Shell.check("openssl", ["genpkey", "-algorithm", "ed25519", "-out", privatePEM.path])
    try Shell.check("openssl", ["pkey", "-in", privatePEM.path, "-pubout", "-out", directory.file("key.pub").path])
    let key = try BundleSigningKey(contentsOf: privatePEM)
    let publicKey = try BundleVerifyingKey(contentsOf: directory.file("key.pub"))
    let message = Array("checksums\n".utf8)
    let signature = Array(try key.signature(for: message).utf8)
    #expect(publicKey.isValid(signatureText: signature, for: message))
    #expect(!publicKey.isValid(signatureText: signature, for: Array("other\n".utf8)))
    // OpenSSL verifies our signature with the public key it derived.
    let raw = try #require(
      Data(base64Encoded: String(decoding: signature, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    try raw.write(to: directory.file("sig.bin"))
    try Data(message).write(to: directory.file("msg"))
    let verified = try Shell.run(
      "openssl",
      [
        "pkeyutl", "-verify", "-pubin", "-inkey", directory.file("key.pub").path, "-rawin", "-in",
        directory.file("msg").path,
        "-sigfile", directory.file("sig.bin").path,
      ])
    #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    // Our PEM is what OpenSSL reads; base64 raw keys work too.
    try key.pem.value.write(to: directory.file("ours.pem"), atomically: true, encoding: .utf8)
    #expect(try Shell.run("openssl", ["pkey", "-in", directory.file("ours.pem").path, "-noout"]).status == 0)
    try directory.write("raw.pub", publicKey.base64 + "\n")
    #expect(
      try BundleVerifyingKey(contentsOf: directory.file("raw.pub")).isValid(signatureText: signature, for: message))
    try directory.write(
      "rsa.pem", "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK\n-----END PUBLIC KEY-----\n")
    #expect(throws: BundleError.self) { try BundleVerifyingKey(contentsOf: directory.file("rsa.pem")) }
  }

  @Test("hostile bundles are refused and nothing is written outside")
  func hostileBundlesAreRefusedAndNothingIsWrittenOutside() async throws {
    let directory = try TemporaryDirectory(prefix: "servestack-hostile")
    let bundle = try await SmallBundle()
    let script = """
      import io, sys, tarfile
      src, kind, out = sys.argv[1:4]
      with tarfile.open(src) as s, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as d:
          for m in s.getmembers():
              d.addfile(m, s.extractfile(m) if m.isfile() else None)
          if kind == "traversal":
              data = b"owned\\n"; i = tarfile.TarInfo("../escaped.txt"); i.size = len(data); d.addfile(i, io.BytesIO(data))
          elif kind == "symlink":
              i = tarfile.TarInfo("images/link"); i.type = tarfile.SYMTYPE; i.linkname = "/etc"; d.addfile(i)
              data = b"x"; j = tarfile.TarInfo("images/link/escaped.txt"); j.size = 1; d.addfile(j, io.BytesIO(data))
          elif kind == "device":
              i = tarfile.TarInfo("images/null"); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; d.addfile(i)
          end = d.offset
      if kind == "huge":
          with open(out, "r+b") as f:
              f.truncate(end); f.seek(end)
              i = tarfile.TarInfo("images/blobs/sha256/" + "0" * 64); i.size = 20 * 1024 ** 3
              f.write(i.tobuf(format=tarfile.PAX_FORMAT))
      """
    try directory.write("make.py", script)
    for kind in ["traversal", "symlink", "device", "huge"] {
      let hostile = directory.file("\(kind).tar")
      try await Shell.checkAsync("python3", [directory.file("make.py").path, bundle.url.path, kind, hostile.path])
      let result = try await BundleVerifier.verify(hostile)
      #expect(!result.isValid, "\(kind)")
      let expected: BundleVerification.Problem.Kind = kind == "huge" ? .archive : .unsafeEntry
      #expect(result.problems.contains { $0.kind == expected }, "\(kind): \(result.summary)")
      // Push refuses it before extracting anything.
      let work = directory.file("work-\(kind)")
      try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
      var options = BundlePushOptions(registry: "127.0.0.1:1/site")
      options.workDirectory = work
      await #expect(throws: BundleError.self) { try await BundlePusher.push(bundle: hostile, options: options) }
      #expect(filesUnder(work).isEmpty, "\(kind): nothing extracted")
    }
    #expect(
      !FileManager.default.fileExists(
        atPath: directory.url.deletingLastPathComponent().appendingPathComponent("escaped.txt").path))
    // Even without the verifier in front, extraction refuses a traversal and writes nothing outside.
    let work = directory.file("direct")
    await #expect(throws: ArchiveError.self) {
      try await TarExtractor.extract(directory.file("traversal.tar"), to: work, allowSymlinks: false)
    }
    #expect(!FileManager.default.fileExists(atPath: directory.file("escaped.txt").path))
  }

  @Test("zstd bundles verify and inspect") func zstdBundlesVerifyAndInspect() async throws {
    let bundle = try await SmallBundle(compression: .zstd)
    #expect(try TarCompression.detect(fileAt: bundle.url) == .zstd)
    #expect(try await BundleVerifier.verify(bundle.url).isValid)
    let inspection = try await BundleInspector.inspect(bundle.url)
    #expect(inspection.descriptor.models.map(\.name) == ["iris"])
    #expect(inspection.images.map(\.name) == ["servestack.local/models/iris:2"])
  }

  @Test("specs layout and mirrors parse") func specsLayoutAndMirrorsParse() throws {
    let spec = try BundleSpec.resolve(nil)
    #expect(spec.name == "default" && spec.profile == "serverless" && spec.platforms == ["linux/amd64"])
    #expect(spec.models.map(\.name) == ["sklearn-iris"])
    #expect(Set(BundleSpec.builtinNames).isSuperset(of: ["default", "raw", "serverless-kourier"]))
    #expect(throws: BundleError.self) { try BundleSpec.resolve("nope") }
    #expect(throws: BundleError.self) {
      try BundleSpec.parse(Array("name: x\nprofile: raw\nimage: []\n".utf8), origin: "t", directory: nil)
    }
    #expect(BundleLayout.isCleanPath("images/blobs/sha256/ab"))
    for bad in ["/etc/passwd", "../x", "a/../b", "./a", "a//b", "a/", ""] {
      #expect(!BundleLayout.isCleanPath(bad), "\(bad)")
    }
    let mirror = try RegistryMirror(parsing: "index.docker.io=http://127.0.0.1:5001/hub")
    #expect(mirror == RegistryMirror(upstream: "docker.io", host: "127.0.0.1:5001", prefix: "hub", plainHTTP: true))
    #expect(throws: BundleError.self) { try RegistryMirror(parsing: "docker.io") }
    #expect(throws: BundleError.self) { try RegistryMirror(parsing: "docker.io=ftp://x") }
    #expect(throws: BundleError.self) { try BundleChecksums(parsing: Array("abc  x\n".utf8)) }
    let digest = Digest.sha256("x")
    #expect(throws: BundleError.self) { try BundleChecksums(parsing: Array("\(digest.hex)  ../x\n".utf8)) }
    #expect(try BundleChecksums(parsing: Array("\(digest.hex)  a/b\n".utf8)).digests == ["a/b": digest])
  }
}

/// One member of a tarball, read without extracting.
func extractMember(_ archive: URL, _ path: String) async throws -> [UInt8] {
  try await TarReader.withReader(archive: archive) { reader in
    while let entry = try reader.next() {
      if entry.path == path { return try reader.readAll() }
    }
    throw TestSetupError("\(path) is not in \(archive.path)")
  }
}
