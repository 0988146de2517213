import Foundation
import ServestackCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The folder a bundle is extracted into: `servestack-bundle-XXXXXXXX` under the work directory, with a
/// marker `servestack-bundle-XXXXXXXX.pid` beside it holding the PID of the process extracting it.
///
/// A process killed with SIGKILL cannot remove its copy (hundreds of MiB); the marker lets the next run
/// recognise copies whose process is gone and remove them. The marker sits beside the folder, not in it,
/// so no bundle entry can clash with it.
enum ExtractionFolder {
  static let prefix = "servestack-bundle-"
  static let markerSuffix = ".pid"

  /// Bytes free for this user in the file system holding `url` (nil when it cannot be told).
  @Sendable static func freeSpace(_ url: URL) -> Int64? {
    var stats = statvfs()
    guard statvfs(url.path, &stats) == 0 else { return nil }
    return Int64(stats.f_bavail) * Int64(stats.f_frsize)
  }

  /// Removes stale copies from `base`, checks that it has room for `bytes` of files, then creates a new
  /// folder and its marker.
  ///
  /// #### Errors
  /// ``BundleError`` `.io` when the work directory lacks the space (nothing is written) or cannot be written.
  static func make(
    in base: URL, needing bytes: Int64, files: Int, freeSpace: @Sendable (URL) -> Int64?
  ) throws(BundleError) -> URL {
    try FileManager.default.createDirectoryIfNeeded(base)
    removeStale(in: base)
    // Each file takes at least a block, plus a margin for directories.
    let needed = bytes + Int64(files) * 4096 + (16 << 20)
    if let free = freeSpace(base), free < needed {
      throw BundleError(
        .io,
        "the work folder \(base.path) has \(formatBytes(free)) free; extracting the bundle needs about \(formatBytes(needed)): "
          + "free some space or give --work-dir on a larger disk (nothing was extracted)")
    }
    let root = base.appendingPathComponent(prefix + UUID().uuidString.prefix(8).lowercased())
    do {
      try Data("\(getpid())\n".utf8).write(to: marker(of: root), options: .withoutOverwriting)
    } catch {
      throw BundleError(
        .io, "cannot write in the work folder \(base.path): \(error.localizedDescription)", cause: error)
    }
    return root
  }

  static func marker(of root: URL) -> URL {
    root.deletingLastPathComponent().appendingPathComponent(root.lastPathComponent + markerSuffix)
  }

  /// Deletes an extracted copy and its marker.
  static func remove(_ root: URL) {
    try? FileManager.default.removeItem(at: root)
    try? FileManager.default.removeItem(at: marker(of: root))
  }

  /// Removes the copies in `base` whose marker names a process that no longer runs; returns them.
  @discardableResult
  static func removeStale(in base: URL) -> [URL] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return [] }
    var removed: [URL] = []
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(markerSuffix) {
      let markerURL = base.appendingPathComponent(name)
      guard let text = try? String(contentsOf: markerURL, encoding: .utf8),
        let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
        kill(pid, 0) == -1, errno == ESRCH
      else { continue }
      let root = base.appendingPathComponent(String(name.dropLast(markerSuffix.count)))
      remove(root)
      removed.append(root)
    }
    return removed
  }
}
