/// One window of an observe step under load: the ready replicas at its end and the latency quantiles of the
/// requests answered in it. The HTML report draws the autoscaling chart from these.
public struct TimelinePoint: Sendable, Hashable {
  /// End of the window, in seconds since the load started.
  public var seconds: Double
  public var readyReplicas: Int?
  /// Requests answered in the window.
  public var answered: Int
  public var latencyP50Seconds: Double?
  public var latencyP95Seconds: Double?
  public var latencyP99Seconds: Double?

  public init(
    seconds: Double, readyReplicas: Int?, answered: Int = 0, latencyP50Seconds: Double? = nil,
    latencyP95Seconds: Double? = nil, latencyP99Seconds: Double? = nil
  ) {
    self.seconds = seconds
    self.readyReplicas = readyReplicas
    self.answered = answered
    self.latencyP50Seconds = latencyP50Seconds
    self.latencyP95Seconds = latencyP95Seconds
    self.latencyP99Seconds = latencyP99Seconds
  }

  /// Windows of `window` seconds from 0 to the end of the load: replicas from the polls (`(seconds, ready)`,
  /// the last poll at or before the window's end), quantiles from the answers in the window.
  public static func windows(
    replicas: [(seconds: Double, ready: Int)], answers: [LoadSample], window: Double
  ) -> [TimelinePoint] {
    let end = max(replicas.last?.seconds ?? 0, answers.last?.atSeconds ?? 0)
    guard window > 0, end > 0 else { return [] }
    var points: [TimelinePoint] = []
    var answerIndex = 0
    var replicaIndex = 0
    var ready: Int? = nil
    var start = 0.0
    while start < end {
      let stop = start + window
      var latencies: [Double] = []
      while answerIndex < answers.count && answers[answerIndex].atSeconds < stop {
        latencies.append(answers[answerIndex].latencySeconds)
        answerIndex += 1
      }
      while replicaIndex < replicas.count && replicas[replicaIndex].seconds <= stop {
        ready = replicas[replicaIndex].ready
        replicaIndex += 1
      }
      latencies.sort()
      func quantile(_ q: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        let rank = max(1, Int((q * Double(latencies.count)).rounded(.up)))
        return latencies[min(latencies.count, rank) - 1]
      }
      points.append(
        TimelinePoint(
          seconds: min(stop, end), readyReplicas: ready, answered: latencies.count, latencyP50Seconds: quantile(0.5),
          latencyP95Seconds: quantile(0.95), latencyP99Seconds: quantile(0.99)))
      start = stop
    }
    return points
  }
}
