import Foundation
import ServestackCore

/// The record of which downloaded blobs an unfinished bundle tarball (`.<name>.partial`) already holds:
/// `.<name>.partial.journal`, a first line naming the tarball's layout (a hash of every entry's path and
/// size, so offsets are the same), then one blob entry path per line, appended once that blob's bytes were
/// received whole and hashed right. A later run with the same layout downloads only the others.
///
/// Lines are appended with `O_APPEND` (each is one `write`, shorter than `PIPE_BUF`), so parallel downloads
/// never interleave them; a line cut short by a kill is not a known path and is ignored.
final class BundlePartialJournal: @unchecked Sendable {
  // @unchecked Sendable: `fd` is set once in init; appends are single write(2) calls on an O_APPEND descriptor.
  let url: URL
  private let fd: Int32

  static let magic = "servestack-bundle-partial 1"

  /// What an earlier run recorded for the same layout (empty when there is none, or its layout differs).
  static func recorded(at url: URL, fingerprint: Digest) -> Set<String> {
    guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    guard lines.first.map(String.init) == "\(magic) \(fingerprint.hex)" else { return [] }
    return Set(lines.dropFirst().map(String.init))
  }

  /// Starts the journal afresh with `kept` (the entries an earlier run recorded that are still whole).
  init(at url: URL, fingerprint: Digest, kept: [String]) throws(BundleError) {
    self.url = url
    let text = ([("\(Self.magic) \(fingerprint.hex)")] + kept).map { $0 + "\n" }.joined()
    let temporary = url.appendingPathExtension("new")
    do {
      try Data(text.utf8).write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw BundleError(.io, "cannot write \(url.path): \(error.localizedDescription)", cause: error)
    }
    fd = open(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
    guard fd >= 0 else { throw BundleError(.io, "cannot open \(url.path): \(String(cString: strerror(errno)))") }
  }

  deinit { close(fd) }

  /// Records that `path` is whole in the tarball.
  func append(_ path: String) throws(BundleError) {
    let line = Array((path + "\n").utf8)
    let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == line.count else {
      throw BundleError(.io, "cannot append to \(url.path): \(String(cString: strerror(errno)))")
    }
  }
}
