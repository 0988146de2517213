import Foundation

/// The exact (Clopper–Pearson) confidence interval of a binomial proportion: the canary step's test of
/// whether the observed share of answers from the canary revision is compatible with the configured split.
/// Exact rather than the normal approximation because the shares tested (20 %) and the sample sizes (a
/// few hundred requests) are where the approximation is poor, and a flaky verdict would be worse than none.
public struct BinomialInterval: Sendable, Hashable {
  public let successes: Int
  public let trials: Int
  /// 0.99 for a 99 % interval.
  public let confidence: Double
  /// Bounds of the interval, as proportions in 0…1.
  public let lower: Double
  public let upper: Double

  /// The Clopper–Pearson interval of `successes` out of `trials` at `confidence` (0 < confidence < 1).
  /// `trials` 0 gives the whole range 0…1.
  public init(successes: Int, trials: Int, confidence: Double = 0.99) {
    self.successes = max(0, min(successes, trials))
    self.trials = max(0, trials)
    self.confidence = confidence
    let alpha = 1 - confidence
    let k = Double(self.successes)
    let n = Double(self.trials)
    guard trials > 0 else {
      (lower, upper) = (0, 1)
      return
    }
    lower = self.successes == 0 ? 0 : Self.betaQuantile(alpha / 2, a: k, b: n - k + 1)
    upper = self.successes == self.trials ? 1 : Self.betaQuantile(1 - alpha / 2, a: k + 1, b: n - k)
  }

  /// The observed proportion.
  public var share: Double { trials == 0 ? 0 : Double(successes) / Double(trials) }

  /// Whether `proportion` (0…1) lies within the interval.
  public func contains(_ proportion: Double) -> Bool { proportion >= lower - 1e-12 && proportion <= upper + 1e-12 }

  /// The `p` with I_p(a, b) = `probability`, by bisection (the regularized incomplete beta is monotonic in p).
  static func betaQuantile(_ probability: Double, a: Double, b: Double) -> Double {
    var low = 0.0
    var high = 1.0
    for _ in 0..<100 {
      let middle = (low + high) / 2
      if regularizedIncompleteBeta(middle, a: a, b: b) < probability { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }

  /// I_x(a, b), by Lentz's continued fraction (Numerical Recipes' `betai`/`betacf`), using the symmetry
  /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
  static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
    let logPowers: Double = a * log(x) + b * log(1 - x)
    let logFront = logBeta + logPowers
    let front = exp(logFront)
    if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
    return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
  }

  static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var result = d
    for m in 1...300 {
      let m = Double(m)
      let evenDenominator: Double = (a + 2 * m - 1) * (a + 2 * m)
      let even: Double = m * (b - m) * x / evenDenominator
      d = 1 + even * d
      if abs(d) < tiny { d = tiny }
      c = 1 + even / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      result *= d * c
      let oddDenominator: Double = (a + 2 * m) * (a + 2 * m + 1)
      let odd: Double = -(a + m) * (a + b + m) * x / oddDenominator
      d = 1 + odd * d
      if abs(d) < tiny { d = tiny }
      c = 1 + odd / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      result *= delta
      if abs(delta - 1) < 1e-15 { break }
    }
    return result
  }
}
