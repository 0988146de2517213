import ArgumentParser
import Bundles
import Foundation
import HTTP
import Registry
import ServestackCore
import TestSupport

/// `bundle create` from a registry and `bundle push` into an empty one, side by side with skopeo on the same
/// 3-image set (shared base layer) served by a local docker-registry, plus peak memory, SHA-256 and disk
/// throughput of the machine.
struct BundleBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bundle",
    abstract: "Bundle create/push next to skopeo copy (+ tar) on a local docker-registry.")

  @Option(name: .customLong("size-mib"), help: "Unique bytes of the image set, in MiB (201 = the notes' set).")
  var sizeMiB = 201

  @Option(help: "Cold runs of each step.")
  var runs = 2

  @Option(name: .customLong("work-dir"), help: "Where to put the data (default: a new temporary directory, removed).")
  var workDirectory: String?

  @Flag(help: "Leave skopeo out.")
  var skipSkopeo = false

  @Option(
    name: .customLong("image-set"),
    help:
      "default (the notes' set, --size-mib scales it) or large-layers (3 images × 4 layers of 12–24 MiB, 217 MiB × --size-mib/217)."
  )
  var imageSet = "default"

  func run() async throws {
    let work = URL(fileURLWithPath: workDirectory ?? NSTemporaryDirectory()).appendingPathComponent(
      "servestack-bundle-bench-\(getpid())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    try machineFacts(work)
    let large = imageSet == "large-layers"
    guard large || imageSet == "default" else { throw BenchToolError("--image-set must be default or large-layers") }
    let (source, unique) = try BenchImages.make(
      in: work.appendingPathComponent("src"), scale: Double(sizeMiB) / (large ? 217 : 201), largeLayers: large)
    print("image set \(imageSet): 3 images, \(formatBytes(unique)) unique (manifests and configs included)")
    let registryA = try TestRegistry(in: work, accessLog: false)
    defer { registryA.stop() }
    let options = Self.registryOptions()
    let clientA = try RegistryClient(host: registryA.host, options: options)
    for name in BenchImages.names {
      _ = try await clientA.push(
        from: source, name: name, to: try ImageReference("\(registryA.host)/bench/\(name):1.0"))
    }
    var rows: [String] = []
    let skopeo = !skipSkopeo && FileManager.default.isExecutableFile(atPath: "/usr/bin/skopeo")
    var times = CreateTimes()
    for run in 1...max(runs, 1) {
      print("\n— run \(run)")
      let bundle = work.appendingPathComponent("bundle-\(run).tar")
      let floor = try await Self.floor(registryA, source: source, file: work.appendingPathComponent("floor-\(run).bin"))
      times.floor.append(floor)
      rows.append(
        Self.row(
          "(a) floor: GET every blob once into one file (8 at a time, hashed)", "–", seconds: floor, bytes: unique,
          peak: nil))
      let ours = try await createOurs(
        registryA, bundle: bundle, cache: work.appendingPathComponent("cache-\(run)"), unique: unique)
      rows.append(ours.row)
      times.ours.append(ours.seconds)
      times.peaks.append(ours.peak)
      let ociDirectory = work.appendingPathComponent("skopeo-oci-\(run)")
      if skopeo {
        let theirs = try createSkopeo(
          registryA, oci: ociDirectory, tar: work.appendingPathComponent("skopeo-\(run).tar"), work: work,
          unique: unique)
        rows.append(theirs.row)
        times.skopeo.append(theirs.seconds)
      }
      rows += try await pushOurs(bundle: bundle, work: work, run: run, unique: unique)
      if skopeo { rows += try pushSkopeo(oci: ociDirectory, work: work, run: run, unique: unique) }
      try? FileManager.default.removeItem(at: ociDirectory)
      try? FileManager.default.removeItem(at: bundle)
      try? FileManager.default.removeItem(at: work.appendingPathComponent("cache-\(run)"))
    }
    print("\n| step | tool | seconds | MiB/s | peak RSS | output |")
    print("|---|---|---:|---:|---:|---:|")
    for row in rows { print(row) }
    print(times.summary(imageSet: imageSet))
  }

  static func registryOptions() -> RegistryOptions {
    var options = RegistryOptions(credentials: .none, plainHTTP: true)
    options.proxy = .none
    return options
  }

  static func row(_ step: String, _ tool: String, seconds: Double, bytes: Int64, peak: Int64?, output: Int64? = nil)
    -> String
  {
    let rate = bytes > 0 ? String(Int((Double(bytes) / 1_048_576 / seconds).rounded())) : "–"
    let line =
      "| \(step) | \(tool) | \((seconds * 100).rounded() / 100) | \(rate) | \(peak.map(formatBytes) ?? "–") | \(output.map(formatBytes) ?? "") |"
    print(line)
    return line
  }

  /// Resets this process's peak RSS (VmHWM) to its current RSS, so the next reading is the step's peak.
  static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = start.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  func createOurs(_ registry: TestRegistry, bundle: URL, cache: URL, unique: Int64) async throws -> (
    row: String, seconds: Double, peak: Int64?
  ) {
    var spec = BundleSpec(name: "bench", profile: "serverless", platforms: ["linux/amd64", "linux/arm64"])
    spec.images = BenchImages.names.map { "\(registry.host)/bench/\($0):1.0" }
    var options = BundleCreateOptions(output: bundle)
    options.registryOptions = Self.registryOptions()
    Self.resetPeak()
    let start = ContinuousClock.now
    let result = try await BundleCreator.create(
      content: .imagesOnly(profile: "serverless"), spec: spec, options: options)
    let elapsed = Self.seconds(since: start)
    let overhead = Double(result.archiveBytes - unique) / Double(unique) * 100
    print(
      "bundle: \(formatBytes(result.archiveBytes)) = unique blobs + \((overhead * 100).rounded() / 100) %; \(result.blobsDownloaded) blobs downloaded"
    )
    let peak = Tools.selfRSS("VmHWM")
    return (
      Self.row(
        "(a) create from registry", "servestack", seconds: elapsed, bytes: unique, peak: peak,
        output: result.archiveBytes),
      elapsed, peak
    )
  }

  func createSkopeo(_ registry: TestRegistry, oci: URL, tar: URL, work: URL, unique: Int64) throws -> (
    row: String, seconds: Double
  ) {
    let tmp = work.appendingPathComponent("skopeo-tmp")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    let copies = BenchImages.names.map { name in
      "skopeo --tmpdir \(tmp.path) copy --all --preserve-digests -q --src-tls-verify=false "
        + "docker://\(registry.host)/bench/\(name):1.0 oci:\(oci.path):bench/\(name):1.0"
    }
    let command =
      "rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb; " + copies.joined(separator: " && ")
      + " && tar -cf \(tar.path) -C \(oci.path) ."
    let (seconds, peak) = try Tools.run(command)
    let size = (try? FileManager.default.attributesOfItem(atPath: tar.path)[.size] as? NSNumber)?.int64Value
    try? FileManager.default.removeItem(at: tar)
    return (
      Self.row(
        "(a) create from registry", "skopeo copy --all ×3 + tar", seconds: seconds, bytes: unique, peak: peak,
        output: size), seconds
    )
  }

  func pushOurs(bundle: URL, work: URL, run: Int, unique: Int64) async throws -> [String] {
    let registry = try TestRegistry(in: work, accessLog: false)
    defer {
      registry.stop()
      registry.directory.remove()
    }
    var options = BundlePushOptions(registry: registry.host)
    options.registryOptions = Self.registryOptions()
    options.workDirectory = work
    Self.resetPeak()
    var start = ContinuousClock.now
    let first = try await BundlePusher.push(bundle: bundle, options: options)
    let cold = Self.seconds(since: start)
    let peak = Tools.selfRSS("VmHWM")
    print(
      "push: \(first.push.blobsUploaded) uploaded, \(first.push.blobsMounted) mounted, \(first.push.blobsPresent) present"
    )
    // The push alone, from an already extracted bundle, to compare with skopeo's oci: → registry.
    let extracted = try await BundlePusher.extractVerified(bundle, options: options)
    defer { extracted.remove() }
    let fresh = try TestRegistry(in: work, accessLog: false)
    defer {
      fresh.stop()
      fresh.directory.remove()
    }
    var freshOptions = options
    freshOptions.registry = fresh.host
    start = ContinuousClock.now
    _ = try await BundlePusher.push(extracted, options: freshOptions)
    let pushOnly = Self.seconds(since: start)
    start = ContinuousClock.now
    let second = try await BundlePusher.push(bundle: bundle, options: options)
    let again = Self.seconds(since: start)
    start = ContinuousClock.now
    _ = try await BundlePusher.push(extracted, options: options)
    let againNoVerify = Self.seconds(since: start)
    print(
      "re-push: \(second.push.blobsUploaded) blobs uploaded, \(second.push.imagesAlreadyThere) of \(second.push.images.count) images already there"
    )
    return [
      Self.row(
        "(b) push into empty registry (check + push in place from the tar)", "servestack", seconds: cold, bytes: unique,
        peak: peak),
      Self.row(
        "(b) push into empty registry (extracted layout → registry)", "servestack", seconds: pushOnly, bytes: unique,
        peak: nil),
      Self.row(
        "(b) re-push, registry has everything (check + HEAD manifests)", "servestack", seconds: again, bytes: 0,
        peak: nil),
      Self.row(
        "(b) re-push, registry has everything (extracted)", "servestack", seconds: againNoVerify, bytes: 0, peak: nil),
    ]
  }

  func pushSkopeo(oci: URL, work: URL, run: Int, unique: Int64) throws -> [String] {
    let registry = try TestRegistry(in: work, accessLog: false)
    defer {
      registry.stop()
      registry.directory.remove()
    }
    let tmp = work.appendingPathComponent("skopeo-tmp")
    let copies = BenchImages.names.map { name in
      "skopeo --tmpdir \(tmp.path) copy --all --preserve-digests -q --dest-tls-verify=false "
        + "oci:\(oci.path):bench/\(name):1.0 docker://\(registry.host)/bench/\(name):1.0"
    }.joined(separator: " && ")
    let cold = try Tools.run("rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb; " + copies)
    let again = try Tools.run(copies)
    return [
      Self.row(
        "(b) push into empty registry (oci: dir → registry)", "skopeo copy --all ×3", seconds: cold.seconds,
        bytes: unique, peak: cold.peakRSS),
      Self.row(
        "(b) re-push, registry has everything", "skopeo copy --all ×3", seconds: again.seconds, bytes: 0,
        peak: again.peakRSS),
    ]
  }

  /// SHA-256 (OpenSSL and ours) and disk (dd with fdatasync) throughput on this machine.
  func machineFacts(_ work: URL) throws {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("machine: \(cores) cores, \(formatBytes(Int64(ProcessInfo.processInfo.physicalMemory)))")
    // `openssl speed` times itself with SIGALRM, which children of this process may have blocked: hash a
    // 256 MiB file with `openssl dgst` instead and time it from here.
    let sample = work.appendingPathComponent("sha.bin").path
    _ = try? Tools.output("head -c 268435456 /dev/zero > \(sample)")
    if let timed = try? Tools.run("openssl dgst -sha256 \(sample) > /dev/null") {
      print("openssl dgst -sha256, 256 MiB file (page cache): \(Int((256 / timed.seconds).rounded())) MiB/s")
    }
    try? FileManager.default.removeItem(atPath: sample)
    let buffer = [UInt8](repeating: 0x5A, count: 1 << 20)
    var hasher = SHA256Stream()
    let start = ContinuousClock.now
    for _ in 0..<256 { hasher.update(buffer) }
    _ = hasher.finalize()
    print("SHA256Stream: \(Int((256 / Self.seconds(since: start)).rounded())) MiB/s over 256 MiB in memory")
    let file = work.appendingPathComponent("dd.bin").path
    if let dd = try? Tools.output(
      "dd if=/dev/zero of=\(file) bs=1M count=200 conv=fdatasync 2>&1 | tail -1; rm -f \(file)")
    {
      print("dd 200 MiB with fdatasync: \(dd.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
  }
}
