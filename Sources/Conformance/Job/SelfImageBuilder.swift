import Archive
public import Foundation
public import ServestackCore

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
  /// ``ConformanceError`` (`image`) when `ldd` fails, a library cannot be read, or the layout cannot be written.
  public static func build(
    binary: URL, into layout: URL, reference: String = "servestack:\(ToolInfo.version)"
  ) async throws(ConformanceError) -> Result {
    do {
      return try await BlockingExecutor.shared.run { try buildBlocking(binary: binary, layout: layout, reference: reference) }
    } catch let error as ConformanceError {
      throw error
    } catch {
      throw ConformanceError(.image, "cannot build the servestack image into \(layout.path): \(error)")
    }
  }

  static func buildBlocking(binary: URL, layout: URL, reference: String) throws -> Result {
    let fileManager = FileManager.default
    let blobs = layout.appendingPathComponent("blobs/sha256")
    try fileManager.createDirectory(at: blobs, withIntermediateDirectories: true)
    let libraries = try sharedLibraries(of: binary)
    let staging = blobs.appendingPathComponent(".layer-\(UUID().uuidString).tar")
    defer { try? fileManager.removeItem(at: staging) }
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
    try add(text: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n", at: "/etc/passwd")
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

    let layer = try store(file: staging, in: blobs)
    let architecture = currentArchitecture()
    let config: JSONValue = [
      "architecture": .string(architecture), "os": "linux",
      "config": [
        "User": "65532:65532", "Entrypoint": ["/usr/local/bin/servestack"], "WorkingDir": "/tmp",
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/nonroot"],
        "Labels": ["org.opencontainers.image.title": "servestack", "org.opencontainers.image.version": .string(ToolInfo.version)],
      ],
      "rootfs": ["type": "layers", "diff_ids": [.string(layer.digest.description)]],
      "history": [["created_by": "servestack SelfImageBuilder: binary and its shared libraries (ldd closure)"]],
    ]
    let configBlob = try store(bytes: config.serializedBytes(), in: blobs)
    let manifest: JSONValue = [
      "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": .string(configBlob.digest.description), "size": .int(Int(configBlob.size))],
      "layers": [["mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": .string(layer.digest.description), "size": .int(Int(layer.size))]],
    ]
    let manifestBlob = try store(bytes: manifest.serializedBytes(), in: blobs)
    try writeIndex(
      layout: layout, reference: reference, architecture: architecture,
      entry: ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": .string(manifestBlob.digest.description), "size": .int(Int(manifestBlob.size))])
    return Result(
      manifestDigest: manifestBlob.digest, configDigest: configBlob.digest, layerDigest: layer.digest, layerSize: layer.size,
      files: files, reference: reference)
  }

  /// Absolute paths of every shared library `ldd` says the binary loads, plus the NSS modules glibc loads by
  /// `dlopen` for name and user look-ups.
  static func sharedLibraries(of binary: URL) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
    process.arguments = [binary.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = Pipe()
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ConformanceError(.image, "ldd \(binary.path) failed (is it a dynamically linked ELF binary?): \(output)")
    }
    var libraries: [String] = []
    for line in output.split(separator: "\n") {
      let fields = line.split(separator: " ").map(String.init)
      if let arrow = fields.firstIndex(of: "=>"), arrow + 1 < fields.count, fields[arrow + 1].hasPrefix("/") {
        libraries.append(fields[arrow + 1])
      } else if let first = fields.first?.trimmingCharacters(in: .whitespaces), first.hasPrefix("/") {
        libraries.append(first)
      } else if line.contains("not found") {
        throw ConformanceError(.image, "ldd \(binary.path): \(line.trimmingCharacters(in: .whitespaces))")
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

  /// Moves a file into `blobs` under its digest.
  static func store(file: URL, in blobs: URL) throws -> (digest: Digest, size: Int64) {
    var hasher = SHA256Stream()
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(Array(chunk)) }
    let digest = hasher.finalize()
    let target = blobs.appendingPathComponent(digest.hex)
    if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    try FileManager.default.moveItem(at: file, to: target)
    return (digest, hasher.count)
  }

  static func store(bytes: [UInt8], in blobs: URL) throws -> (digest: Digest, size: Int64) {
    let digest = Digest.sha256(bytes)
    try Data(bytes).write(to: blobs.appendingPathComponent(digest.hex))
    return (digest, Int64(bytes.count))
  }

  /// Adds the manifest to `index.json` (replacing an entry of the same reference) and writes `oci-layout`.
  static func writeIndex(layout: URL, reference: String, architecture: String, entry: JSONValue) throws {
    let indexURL = layout.appendingPathComponent("index.json")
    var manifests: [JSONValue] = []
    if let data = try? Data(contentsOf: indexURL), let index = try? JSONValue(parsing: Array(data)) {
      manifests = (index["manifests"]?.arrayValue ?? []).filter {
        $0[path: ["annotations", "org.opencontainers.image.ref.name"]]?.stringValue != reference
      }
    }
    var entry = entry
    entry["annotations"] = ["org.opencontainers.image.ref.name": .string(reference)]
    entry["platform"] = ["architecture": .string(architecture), "os": "linux"]
    manifests.append(entry)
    let index: JSONValue = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": .array(manifests)]
    try Data(index.serializedBytes(.pretty)).write(to: indexURL)
    try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
  }
}
