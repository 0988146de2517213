/// How far a bundle operation has got; the library reports it through a callback, the CLI prints it.
public struct BundleProgress: Sendable, Equatable {
  /// What is being done.
  public enum Stage: String, Sendable, Equatable {
    case manifests = "fetching manifests"
    case resolving = "resolving images"
    case downloading = "downloading blobs"
    case models = "packing models"
    case writing = "writing the bundle"
    case verifying = "verifying"
    case extracting = "extracting"
    case pushing = "pushing images"
    case rewriting = "rewriting references"
  }

  public var stage: Stage
  /// Bytes done and expected in this stage (0 when not counted in bytes).
  public var bytesDone: Int64
  public var bytesTotal: Int64
  /// Items (images, blobs, files) done and expected in this stage.
  public var itemsDone: Int
  public var itemsTotal: Int
  /// The item being worked on, when one stands out (an image name).
  public var current: String?

  public init(
    stage: Stage, bytesDone: Int64 = 0, bytesTotal: Int64 = 0, itemsDone: Int = 0, itemsTotal: Int = 0,
    current: String? = nil
  ) {
    self.stage = stage
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
    self.itemsDone = itemsDone
    self.itemsTotal = itemsTotal
    self.current = current
  }
}

/// A progress callback (called from transfer threads; keep it quick).
public typealias BundleProgressHandler = @Sendable (BundleProgress) -> Void
