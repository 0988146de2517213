public import Foundation
public import ServestackCore

/// SHA-256 of files, read in 1 MiB pieces on the blocking executor (never loaded whole).
public enum FileDigest {
  /// The digest and size of the file at `url`.
  ///
  /// #### Errors
  /// ``RegistryError`` (`.fileIO`) when the file cannot be read.
  public static func sha256(of url: URL) async throws(RegistryError) -> (digest: Digest, size: Int64) {
    let result = await BlockingExecutor.shared.run { () -> Result<(Digest, Int64), RegistryError> in
      Result { () throws(RegistryError) in try sha256Blocking(of: url) }
    }
    return try result.get()
  }

  /// The same, on the calling thread (for code already on the blocking executor).
  public static func sha256Blocking(of url: URL) throws(RegistryError) -> (digest: Digest, size: Int64) {
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
      throw RegistryError(
        .fileIO, "cannot open \(url.path) to compute its digest; check that it exists and is readable")
    }
    defer { try? handle.close() }
    var hasher = SHA256Stream()
    do {
      while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        chunk.withUnsafeBytes { hasher.update($0) }
      }
    } catch {
      throw RegistryError(.fileIO, "cannot read \(url.path): \(error.localizedDescription)", cause: error)
    }
    return (hasher.finalize(), hasher.count)
  }

  /// The size of a file, or nil when it does not exist.
  static func size(of url: URL) -> Int64? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      let size = attributes[.size] as? NSNumber
    else { return nil }
    return size.int64Value
  }
}
