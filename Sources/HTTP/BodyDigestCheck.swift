import Foundation
public import ServestackCore

/// Hashes a request body as libcurl reads it — across several requests when an upload is sent in pieces
/// (the PATCH chunks of a blob) — and stops the request that would send the last byte, before sending it,
/// when the whole does not hash to ``expected``. The server then never receives a complete body with the
/// wrong content.
///
/// Only the bytes of attempts that got a 2xx answer count: a retried attempt starts again from what the
/// earlier requests committed, and a rewind to the body's start starts the attempt's hashing again.
// @unchecked: swift-crypto's SHA256 (inside SHA256Stream) is not marked Sendable, though it is a plain
// value; `committed` is only read (copied out) and written under `lock`.
public final class BodyDigestCheck: @unchecked Sendable {
  /// The digest the whole upload must have.
  public let expected: Digest
  /// The length of the whole upload (the sum of its requests' bodies).
  public let totalLength: Int64
  /// The hash of the bytes sent by the requests that succeeded so far.
  private var committed = SHA256Stream()
  private let lock = NSLock()

  public init(expected: Digest, totalLength: Int64) {
    self.expected = expected
    self.totalLength = totalLength
  }

  /// The bytes hashed and committed so far.
  public var bytesHashed: Int64 { lock.withLock { committed.count } }

  func snapshot() -> SHA256Stream { lock.withLock { committed } }

  func commit(_ state: SHA256Stream) { lock.withLock { committed = state } }
}
