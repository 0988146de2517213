import Foundation
import Registry
import ServestackCore
import TestSupport

extension BundleBench {
  /// The physical floor of a create in this run: every unique blob of the set read from the registry once and
  /// written once, 8 at a time, into one pre-sized file (what any tool must at least do), hashed on the way
  /// as every client must; no manifests, tar headers or checksums. The file is removed afterwards.
  static func floor(_ registry: TestRegistry, source: OCILayout, file: URL) async throws -> Double {
    var blobs: [String: (Descriptor, String)] = [:]
    for name in BenchImages.names {
      guard let entry = try source.entry(named: name) else { continue }
      let top = try source.manifest(entry)
      let manifests = top.isIndex ? try top.manifests.map { try source.manifest($0) } : [top]
      for blob in manifests.flatMap(\.blobs) { blobs[blob.digest.description] = (blob, "bench/\(name)") }
    }
    var offsets: [(Descriptor, String, Int64)] = []
    var total: Int64 = 0
    for (blob, repository) in blobs.values {
      offsets.append((blob, repository, total))
      total += blob.size
    }
    guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
      throw BenchToolError("cannot create \(file.path)")
    }
    defer { try? FileManager.default.removeItem(at: file) }
    guard truncate(file.path, off_t(total)) == 0 else { throw BenchToolError("cannot size \(file.path)") }
    let client = try RegistryClient(host: registry.host, options: registryOptions())
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
      var next = 0
      func add() {
        let (blob, repository, offset) = offsets[next]
        next += 1
        group.addTask {
          _ = try await client.downloadBlob(
            repository: repository, digest: blob.digest, size: blob.size, into: file, at: offset)
        }
      }
      while next < min(8, offsets.count) { add() }
      while try await group.next() != nil { if next < offsets.count { add() } }
    }
    return seconds(since: start)
  }
}

/// Create times of every run, summarised by medians.
struct CreateTimes {
  var floor: [Double] = []
  var ours: [Double] = []
  var skopeo: [Double] = []
  var peaks: [Int64?] = []

  static func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }

  func summary(imageSet: String) -> String {
    func text(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "–" }
    var line =
      "\ncreate medians (\(ours.count) runs, image set \(imageSet)): floor \(text(Self.median(floor))), "
      + "servestack \(text(Self.median(ours))), skopeo + tar \(text(Self.median(skopeo)))"
    if let mine = Self.median(ours), let theirs = Self.median(skopeo) {
      line += String(format: "; create vs skopeo %.2f×", theirs / mine)
    }
    if let mine = Self.median(ours), let floor = Self.median(floor) {
      line += String(format: "; servestack / floor %.2f", mine / floor)
    }
    let peak = peaks.compactMap(\.self).max()
    line += "; peak RSS of create (whole bench process) \(peak.map(formatBytes) ?? "–")"
    return line
  }
}
