import Foundation
import ServestackCore

extension BundleEntry {
  /// Checks the bytes copied from a `.file` entry's `source` against the digest they are stored under. A
  /// damaged cached blob is removed, so that the next run downloads it again.
  static func checkCopied(_ source: URL, digest: Digest, expected: Digest?) throws(BundleError) {
    guard let expected, expected != digest else { return }
    try? FileManager.default.removeItem(at: source)
    throw BundleError(
      .io,
      "the cached blob \(source.path) hashes to \(digest), not \(expected); it was removed from the cache — run "
        + "`bundle create` again to download it")
  }
}
