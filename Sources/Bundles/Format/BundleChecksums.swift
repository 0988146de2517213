public import ServestackCore

/// checksums.txt: the SHA-256 of every file of the bundle but itself and the signature, one
/// `<hex>  <path>` line per file sorted by path — the format `sha256sum -c` reads.
public struct BundleChecksums: Sendable, Equatable {
  public var digests: [String: Digest]

  public init(digests: [String: Digest] = [:]) { self.digests = digests }

  /// The file's text.
  public var text: String {
    digests.keys.sorted().map { "\(digests[$0]?.hex ?? "")  \($0)\n" }.joined()
  }

  public var bytes: [UInt8] { Array(text.utf8) }

  /// Parses checksums.txt strictly: every line `<64 hex>  <clean path>`, no path twice.
  ///
  /// #### Errors
  /// ``BundleError`` `.verificationFailed` naming the line.
  public init(parsing bytes: [UInt8]) throws(BundleError) {
    var digests: [String: Digest] = [:]
    let text = String(decoding: bytes, as: UTF8.self)
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3, parts[1].isEmpty, let digest = try? Digest("sha256:" + parts[0]) else {
        throw BundleError(.verificationFailed, "checksums.txt line \(index + 1) is not '<sha256 hex>  <path>'")
      }
      let path = String(parts[2])
      guard BundleLayout.isCleanPath(path) else {
        throw BundleError(.verificationFailed, "checksums.txt line \(index + 1) names an unsafe path '\(path)'")
      }
      guard digests.updateValue(digest, forKey: path) == nil else {
        throw BundleError(.verificationFailed, "checksums.txt lists '\(path)' twice")
      }
    }
    self.digests = digests
  }
}
