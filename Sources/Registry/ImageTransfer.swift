import Foundation
public import ServestackCore
import Synchronization

/// Options of ``RegistryClient/pull(_:into:name:options:)`` and ``RegistryClient/push(from:name:to:options:)``.
public struct TransferOptions: Sendable {
  /// Pull: the platforms to keep from an index (empty keeps every child, so the index digest survives).
  /// When some children are left out, the layout gets a new index listing only the kept ones, with a new
  /// digest (see ``PullResult/storedDigest``).
  public var platforms: [Platform] = []
  /// Blobs transferred at once.
  public var maxConcurrentBlobs = 8
  /// Pull: hash blobs already in the layout before trusting them (otherwise their size is enough).
  public var verifyExistingBlobs = true
  /// Push: repositories of the target registry to try mounting blobs from, besides those the client has
  /// seen holding them.
  public var mountFrom: [String] = []
  /// Called as bytes move (on transfer threads; keep it quick).
  public var progress: (@Sendable (TransferProgress) -> Void)?

  public init(platforms: [Platform] = [], maxConcurrentBlobs: Int = 8) {
    self.platforms = platforms
    self.maxConcurrentBlobs = maxConcurrentBlobs
  }
}

/// How far an image transfer has got, in bytes of blobs.
public struct TransferProgress: Sendable, Equatable {
  public var image: String
  public var bytesDone: Int64
  public var bytesTotal: Int64
  public var blobsDone: Int
  public var blobsTotal: Int
}

/// What a pull stored.
public struct PullResult: Sendable {
  public var reference: ImageReference
  /// The `org.opencontainers.image.ref.name` it is stored under.
  public var name: String
  /// The digest of the manifest the registry has for the reference.
  public var digest: Digest
  /// The digest of the manifest index.json names: ``digest`` unless a platform filter left children out.
  public var storedDigest: Digest
  public var mediaType: String
  /// Platforms of the image manifests stored (empty for a single manifest without platform).
  public var platforms: [Platform]
  public var blobsDownloaded = 0
  /// Blobs already in the layout (another image shares them, or an earlier run fetched them).
  public var blobsSkipped = 0
  public var bytesDownloaded: Int64 = 0
  /// Downloads resumed from a partial file.
  public var blobsResumed = 0
}

/// What a push did.
public struct PushResult: Sendable {
  public var target: ImageReference
  public var digest: Digest
  public var blobsUploaded = 0
  public var blobsMounted = 0
  public var blobsPresent = 0
  /// Uploads that went in PATCH chunks.
  public var chunkedUploads = 0
  public var bytesUploaded: Int64 = 0
  public var manifestsPut = 0
  /// Manifests the registry already had with the same digest (not PUT again).
  public var manifestsSkipped = 0
}

/// Sums the bytes of concurrent blob transfers and reports them.
final class ProgressTracker: Sendable {
  private struct State {
    var done: [Digest: Int64] = [:]
    var finished = 0
  }
  private let state = Mutex(State())
  let image: String
  let total: Int64
  let blobs: Int
  let report: (@Sendable (TransferProgress) -> Void)?

  init(image: String, total: Int64, blobs: Int, report: (@Sendable (TransferProgress) -> Void)?) {
    self.image = image
    self.total = total
    self.blobs = blobs
    self.report = report
  }

  func update(_ digest: Digest, bytes: Int64) {
    guard let report else { return }
    let snapshot = state.withLock { state in
      state.done[digest] = bytes
      return (state.done.values.reduce(0, +), state.finished)
    }
    report(
      TransferProgress(image: image, bytesDone: snapshot.0, bytesTotal: total, blobsDone: snapshot.1, blobsTotal: blobs)
    )
  }

  func finish(_ digest: Digest, size: Int64) {
    let snapshot = state.withLock { state in
      state.done[digest] = size
      state.finished += 1
      return (state.done.values.reduce(0, +), state.finished)
    }
    report?(
      TransferProgress(image: image, bytesDone: snapshot.0, bytesTotal: total, blobsDone: snapshot.1, blobsTotal: blobs)
    )
  }
}
