/// Bounds a reader enforces on untrusted archives; exceeding one is an error naming the entry.
public struct ArchiveLimits: Sendable, Equatable {
  /// The largest size of one entry's data.
  public var maxEntrySize: Int64
  /// The largest total of all entries' data, and of decompressed bytes read (headers and padding included,
  /// with a small allowance), so that a compression bomb stops early.
  public var maxTotalSize: Int64
  /// The most entries (of any type) an archive may hold.
  public var maxEntries: Int
  /// The longest entry path (or link target) in bytes.
  public var maxPathLength: Int
  /// How many times larger than the compressed bytes read the decompressed stream may grow, once
  /// ``expansionAllowance`` bytes are decompressed. 100 by default: gzip's own ceiling is about 1000:1 and a
  /// bundle's layers are compressed already (about 1:1), so only a bomb gets near it.
  public var maxExpansionRatio: Int64
  /// Decompressed bytes read before ``maxExpansionRatio`` applies (small members such as JSON compress
  /// far better than 100:1 on their own).
  public var expansionAllowance: Int64

  public init(
    maxEntrySize: Int64 = 64 << 30, maxTotalSize: Int64 = 1 << 40, maxEntries: Int = 1_000_000,
    maxPathLength: Int = 4096, maxExpansionRatio: Int64 = 100, expansionAllowance: Int64 = 64 << 20
  ) {
    self.maxEntrySize = maxEntrySize
    self.maxTotalSize = maxTotalSize
    self.maxEntries = maxEntries
    self.maxPathLength = maxPathLength
    self.maxExpansionRatio = maxExpansionRatio
    self.expansionAllowance = expansionAllowance
  }
}
