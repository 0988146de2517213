import Archive
import Foundation
import Registry
import ServestackCore

/// One member of the bundle tarball, in the order written.
enum BundleEntry: Sendable {
  /// Bytes made in memory (bundle.yaml, index.json, phase files).
  case bytes(path: String, [UInt8])
  /// A file streamed from disk; a blob's bytes are checked against `expected` on the way.
  case file(path: String, URL, expected: Digest?)
  /// A blob not on this machine: downloaded from `source`'s registry straight into its place in the tarball.
  case remote(path: String, Descriptor, source: ImageReference)

  var path: String {
    switch self {
    case .bytes(let path, _), .file(let path, _, _), .remote(let path, _, _): path
    }
  }

  var size: Int64 {
    switch self {
    case .bytes(_, let bytes): Int64(bytes.count)
    case .file(_, let url, _):
      ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    case .remote(_, let descriptor, _): descriptor.size
    }
  }
}

/// Streams the bundle tarball: every entry straight from where it is (the cache layout's blobs are read
/// once, never copied), hashing each on the way for checksums.txt, then checksums.txt and the signature.
///
/// The tar is written to `<output>.partial` and renamed at the end, so an interrupted run never leaves
/// something that looks like a bundle.
enum BundleArchiveWriter {
  struct Written: Sendable {
    var checksums: BundleChecksums
    var archiveBytes: Int64
  }

  static func write(
    _ entries: [BundleEntry], to output: URL, compression: TarCompression, signingKey: BundleSigningKey?,
    progress: BundleProgressHandler?
  ) async throws(BundleError) -> Written {
    let partial = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial")
    let result = await BlockingExecutor.shared.run { () -> Result<Written, BundleError> in
      Result { () throws(BundleError) in
        try writeBlocking(entries, to: partial, compression: compression, signingKey: signingKey, progress: progress)
      }
    }
    let written = try result.get()
    if rename(partial.path, output.path) != 0 {
      let message = String(cString: strerror(errno))
      unlink(partial.path)
      throw BundleError(.io, "cannot move the finished bundle to \(output.path): \(message)")
    }
    return written
  }

  private static func writeBlocking(
    _ entries: [BundleEntry], to url: URL, compression: TarCompression, signingKey: BundleSigningKey?,
    progress: BundleProgressHandler?
  ) throws(BundleError) -> Written {
    let sizes = entries.map(\.size)
    let total = sizes.reduce(0, +)
    var done: Int64 = 0
    var checksums = BundleChecksums()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    do {
      let writer = try TarWriter(path: url, compression: compression)
      var lastReport = DispatchTime.now()
      for (index, entry) in entries.enumerated() {
        var hasher = SHA256Stream()
        switch entry {
        case .bytes(let path, let bytes):
          hasher.update(bytes)
          try writer.addData(bytes, as: path)
        case .file(let path, let source, let expected):
          try writer.addStream(as: path, size: sizes[index]) { write in
            let fd = open(source.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
              throw BundleError(.io, "cannot open \(source.path): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
            var remaining = sizes[index]
            while remaining > 0 {
              let n = read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
              if n < 0 && errno == EINTR { continue }
              guard n > 0 else {
                throw BundleError(.io, "\(source.path) changed size while it was being packed; run again")
              }
              let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
              hasher.update(chunk)
              try write(chunk)
              remaining -= Int64(n)
              done += Int64(n)
              if let progress, DispatchTime.now().uptimeNanoseconds - lastReport.uptimeNanoseconds > 100_000_000 {
                lastReport = DispatchTime.now()
                progress(
                  BundleProgress(
                    stage: .writing, bytesDone: done, bytesTotal: total, itemsDone: index, itemsTotal: entries.count))
              }
            }
          }
          let digest = hasher.finalize()
          try BundleEntry.checkCopied(source, digest: digest, expected: expected)
          checksums.digests[path] = digest
          continue
        case .remote(let path, _, _):
          // Compressed bundles are written from a local layout only (see BundleCreator).
          throw BundleError(.io, "internal error: \(path) was not downloaded before the compressed bundle was written")
        }
        checksums.digests[entry.path] = hasher.finalize()
        done += sizes[index]
      }
      let checksumBytes = checksums.bytes
      try writer.addData(checksumBytes, as: BundleLayout.checksumsFile)
      if let signingKey {
        try writer.addData(Array(try signingKey.signature(for: checksumBytes).utf8), as: BundleLayout.signatureFile)
      }
      try writer.finish()
      progress?(
        BundleProgress(
          stage: .writing, bytesDone: total, bytesTotal: total, itemsDone: entries.count, itemsTotal: entries.count))
      let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
      return Written(checksums: checksums, archiveBytes: size)
    } catch {
      unlink(url.path)
      throw BundleError.wrap(error, .io, "cannot write the bundle \(url.path)")
    }
  }
}
