/// One answered request of a load: when (seconds since the load started) and how long it took.
public struct LoadSample: Sendable, Hashable {
  public var atSeconds: Double
  public var latencySeconds: Double

  public init(atSeconds: Double, latencySeconds: Double) {
    self.atSeconds = atSeconds
    self.latencySeconds = latencySeconds
  }
}
