public import Foundation
public import ServestackCore

extension TarWriter {
  /// Creates an archive at `url`, runs `body` with the writer on a ``BlockingExecutor`` thread, and finishes
  /// it. If `body` throws, the partial archive is deleted.
  ///
  /// #### Errors
  /// ``ArchiveError`` from writing; whatever `body` throws.
  public static func write<T: Sendable>(
    to url: URL, compression: TarCompression, compressionLevel: Int? = nil,
    executor: BlockingExecutor = .shared, _ body: @escaping @Sendable (TarWriter) throws -> T
  ) async throws -> T {
    try await executor.run {
      let writer = try TarWriter(path: url, compression: compression, compressionLevel: compressionLevel)
      let result = try body(writer)
      try writer.finish()
      return result
    }
  }
}
