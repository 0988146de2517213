public import Foundation

/// A fresh directory under the system's temporary folder (or `base`), removed by ``remove()`` or when the
/// value dies.
public final class TemporaryDirectory: @unchecked Sendable {
  // @unchecked Sendable: `url` is immutable; removal is idempotent file-system work.
  public let url: URL

  public init(prefix: String = "servestack-test", in base: URL = FileManager.default.temporaryDirectory) throws {
    url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  public var path: String { url.path }

  public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

  @discardableResult
  public func write(_ name: String, _ text: String) throws -> URL {
    let target = file(name)
    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: target)
    return target
  }

  public func remove() { try? FileManager.default.removeItem(at: url) }

  deinit { remove() }
}
