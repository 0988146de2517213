import Archive
public import Foundation
import Registry
public import ServestackCore
internal import Subprocess
import SystemPackage

/// Builds the servestack container image from its own binary: one layer with the binary at
/// `/usr/local/bin/servestack`, every shared library it loads (the `ldd` closure, Swift runtime included,
/// kept at the paths the loader looks them up at), the NSS modules name resolution loads at run time, the
/// host's CA bundle, and a passwd/group with the non-root user 65532 the CronJob runs as. Written as an OCI
/// image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), so a bundle can carry it and push it to the
/// site's registry: the periodic job then runs in an airgap too.
public enum SelfImageBuilder {
  public struct Result: Sendable {
    public var manifestDigest: Digest
    public var configDigest: Digest
    public var layerDigest: Digest
    public var layerSize: Int64
    /// Paths in the image, in layer order.
    public var files: [String]
    /// The `org.opencontainers.image.ref.name` of the manifest in `index.json`.
    public var reference: String
  }

  /// Builds the image of `binary` into the OCI layout folder `layout` (created, or added to: an existing
  /// `index.json` keeps its other manifests).
  ///
  /// #### Errors
  /// ``BundleError`` (`image`) when `ldd` fails, a library cannot be read, or the layout cannot be written.
  public static func build(
    binary: URL, into layout: URL, reference: String = "servestack:\(ToolInfo.version)"
  ) async throws(BundleError) -> Result {
    do {
      let libraries = try await sharedLibraries(of: binary)
      let oci = try OCILayout.openOrCreate(at: layout)
      let staging = oci.temporaryURL(suffix: "layer.tar")
      defer { try? FileManager.default.removeItem(at: staging) }
      let files = try await BlockingExecutor.shared.run {
        try writeLayer(binary: binary, libraries: libraries, to: staging)
      }
      let layer = try await oci.addBlob(fromFile: staging)
      let architecture = currentArchitecture()
      let config: JSONValue = [
        "architecture": .string(architecture), "os": "linux",
        "config": [
          "User": "65532:65532", "Entrypoint": ["/usr/local/bin/servestack"], "WorkingDir": "/tmp",
          "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot"],
          "Labels": [
            "org.opencontainers.image.title": "servestack",
            "org.opencontainers.image.version": .string(ToolInfo.version),
          ],
        ],
        "rootfs": ["type": "layers", "diff_ids": [.string(layer.digest.description)]],
        "history": [["created_by": "servestack SelfImageBuilder: binary and its shared libraries (ldd closure)"]],
      ]
      let configBytes = config.serializedBytes()
      let configDigest = try oci.addBlob(configBytes)
      let manifest: JSONValue = [
        "schemaVersion": 2, "mediaType": .string(MediaType.ociManifest),
        "config": [
          "mediaType": .string(MediaType.ociConfig), "digest": .string(configDigest.description),
          "size": .int(configBytes.count),
        ],
        "layers": [
          [
            "mediaType": .string(MediaType.ociLayer), "digest": .string(layer.digest.description),
            "size": .int(Int(layer.size)),
          ]
        ],
      ]
      let manifestBytes = manifest.serializedBytes()
      let manifestDigest = try oci.addBlob(manifestBytes)
      var descriptor = Descriptor(
        mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifestBytes.count))
      descriptor.platform = Platform(os: "linux", architecture: architecture)
      try oci.setEntry(descriptor, named: reference)
      return Result(
        manifestDigest: manifestDigest, configDigest: configDigest, layerDigest: layer.digest, layerSize: layer.size,
        files: files, reference: reference)
    } catch let error as BundleError {
      throw error
    } catch {
      throw BundleError(.image, "cannot build the servestack image into \(layout.path): \(error)", cause: error)
    }
  }

  /// Writes the one layer (a tar) to `staging`; returns the paths in it, in order.
  static func writeLayer(binary: URL, libraries: [String], to staging: URL) throws -> [String] {
    let fileManager = FileManager.default
    var files: [String] = []
    let writer = try TarWriter(path: staging, compression: .none)
    var directories = Set<String>()
    func addParents(_ path: String) throws {
      var parents: [String] = []
      var current = (path as NSString).deletingLastPathComponent
      while current != "/" && !current.isEmpty && !directories.contains(current) {
        parents.append(current)
        current = (current as NSString).deletingLastPathComponent
      }
      for directory in parents.reversed() {
        try writer.addDirectory(String(directory.dropFirst()), mode: 0o755)
        directories.insert(directory)
      }
    }
    func add(file source: URL, at path: String, mode: UInt32) throws {
      try addParents(path)
      try writer.addFile(at: source.resolvingSymlinksInPath(), as: String(path.dropFirst()), mode: mode)
      files.append(path)
    }
    func add(text: String, at path: String) throws {
      try addParents(path)
      try writer.addData(Array(text.utf8), as: String(path.dropFirst()), mode: 0o644)
      files.append(path)
    }
    try add(file: binary, at: "/usr/local/bin/servestack", mode: 0o755)
    for library in libraries { try add(file: URL(fileURLWithPath: library), at: library, mode: 0o755) }
    try add(
      text: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
      at: "/etc/passwd")
    try add(text: "root:x:0:\nnonroot:x:65532:\n", at: "/etc/group")
    try add(text: "passwd: files\ngroup: files\nhosts: files dns\n", at: "/etc/nsswitch.conf")
    for bundle in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
    where fileManager.fileExists(atPath: bundle) {
      try add(file: URL(fileURLWithPath: bundle), at: "/etc/ssl/certs/ca-certificates.crt", mode: 0o644)
      break
    }
    try writer.addDirectory("tmp", mode: 0o1777)
    // Mount points container runtimes fill; Swift reads its arguments from /proc/self/cmdline on Linux.
    try writer.addDirectory("proc", mode: 0o555)
    try writer.addDirectory("dev", mode: 0o755)
    try writer.addDirectory("home/nonroot", mode: 0o755)
    try writer.finish()
    return files
  }

  /// Absolute paths of every shared library `ldd` says the binary loads, plus the NSS modules glibc loads by
  /// `dlopen` for name and user look-ups.
  static func sharedLibraries(of binary: URL) async throws -> [String] {
    let result = try await Subprocess.run(
      .path(FilePath("/usr/bin/ldd")), arguments: [binary.path], output: .string(limit: 1 << 20),
      error: .string(limit: 1 << 16))
    let output = result.standardOutput
    guard result.terminationStatus.isSuccess else {
      throw BundleError(
        .image, "ldd \(binary.path) failed (is it a dynamically linked ELF binary?): \(output)\(result.standardError)")
    }
    var libraries: [String] = []
    for line in output.split(separator: "\n") {
      let fields = line.split(separator: " ").map(String.init)
      if let arrow = fields.firstIndex(of: "=>"), arrow + 1 < fields.count, fields[arrow + 1].hasPrefix("/") {
        libraries.append(fields[arrow + 1])
      } else if let first = fields.first?.trimmingCharacters(in: .whitespaces), first.hasPrefix("/") {
        libraries.append(first)
      } else if line.contains("not found") {
        throw BundleError(.image, "ldd \(binary.path): \(line.trimmingCharacters(in: .whitespaces))")
      }
    }
    if let libc = libraries.first(where: { ($0 as NSString).lastPathComponent.hasPrefix("libc.so") }) {
      let directory = (libc as NSString).deletingLastPathComponent
      for module in ["libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2"] {
        let path = "\(directory)/\(module)"
        if FileManager.default.fileExists(atPath: path) && !libraries.contains(path) { libraries.append(path) }
      }
    }
    return libraries
  }

  public static func currentArchitecture() -> String {
    #if arch(x86_64)
      "amd64"
    #elseif arch(arm64)
      "arm64"
    #else
      "unknown"
    #endif
  }
}
