public import Histogram

/// Latency quantiles of a load run, read from an HDR histogram of microseconds (3 significant digits).
public struct LatencySummary: Sendable, Hashable {
  public var count: Int
  public var p50Seconds: Double
  public var p95Seconds: Double
  public var p99Seconds: Double
  public var maxSeconds: Double
  public var meanSeconds: Double

  public init(
    count: Int, p50Seconds: Double, p95Seconds: Double, p99Seconds: Double, maxSeconds: Double, meanSeconds: Double
  ) {
    self.count = count
    self.p50Seconds = p50Seconds
    self.p95Seconds = p95Seconds
    self.p99Seconds = p99Seconds
    self.maxSeconds = maxSeconds
    self.meanSeconds = meanSeconds
  }

  /// Microseconds up to one hour; longer latencies are clamped there.
  public static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

  /// An empty histogram of the resolution the summary reads.
  public static func makeHistogram() -> Histogram<UInt64> {
    Histogram<UInt64>(highestTrackableValue: highestTrackableMicroseconds, numberOfSignificantValueDigits: .three)
  }

  /// Records `duration` into `histogram` in microseconds.
  public static func record(_ duration: Duration, into histogram: inout Histogram<UInt64>) {
    let micros = max(0, duration.seconds * 1e6)
    _ = histogram.record(UInt64(min(Double(highestTrackableMicroseconds), micros.rounded())))
  }

  public init(histogram: Histogram<UInt64>) {
    let count = Int(histogram.totalCount)
    func seconds(_ micros: UInt64) -> Double { count == 0 ? 0 : Double(micros) / 1e6 }
    self.init(
      count: count, p50Seconds: seconds(histogram.valueAtPercentile(50)),
      p95Seconds: seconds(histogram.valueAtPercentile(95)), p99Seconds: seconds(histogram.valueAtPercentile(99)),
      maxSeconds: seconds(histogram.max), meanSeconds: count == 0 ? 0 : histogram.mean / 1e6)
  }
}
