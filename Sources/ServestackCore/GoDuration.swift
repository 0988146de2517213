/// A positive duration written as Go writes one (`90s`, `10m`, `1h30m`, `1.5h`, `500ms`): what phase files
/// use for `timeout:`, test steps and parameters, and the `--timeout` flags.
public struct GoDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The text as written.
  public let text: String
  public let nanoseconds: Int64

  /// Parses a sequence of decimal numbers with units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`.
  ///
  /// #### Errors
  /// ``ValueError`` for anything else, zero, or more than about 292 years.
  public init(_ text: String) throws(ValueError) {
    func bad(_ problem: String) -> ValueError { ValueError(kind: "duration", value: text, problem: problem) }
    let example = "write a number with a unit, e.g. 90s, 10m, 1h30m"
    let scalars = Array(text.unicodeScalars)
    guard !scalars.isEmpty else { throw bad("it is empty; \(example)") }
    var index = 0
    var total = 0.0
    while index < scalars.count {
      let start = index
      while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." { index += 1 }
      let number = String(String.UnicodeScalarView(scalars[start..<index]))
      guard !number.isEmpty, let value = Double(number), !number.hasPrefix("."), !number.hasSuffix(".") else {
        throw bad("expected a number at position \(start + 1); \(example)")
      }
      let unitStart = index
      while index < scalars.count, !("0"..."9").contains(scalars[index]), scalars[index] != "." { index += 1 }
      let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
      let scale: Double
      switch unit {
      case "ns": scale = 1
      case "us", "µs": scale = 1e3
      case "ms": scale = 1e6
      case "s": scale = 1e9
      case "m": scale = 60e9
      case "h": scale = 3600e9
      case "": throw bad("missing unit after \(number); \(example)")
      default: throw bad("unknown unit '\(unit)'; use ns, us, ms, s, m or h")
      }
      total += value * scale
    }
    guard total >= 1 else { throw bad("must be longer than zero") }
    guard total < 9.2e18 else { throw bad("too long") }
    self.text = text
    self.nanoseconds = Int64(total.rounded())
  }

  package init(uncheckedText text: String, nanoseconds: Int64) {
    self.text = text
    self.nanoseconds = nanoseconds
  }

  public var duration: Duration { .nanoseconds(nanoseconds) }
  public var seconds: Double { Double(nanoseconds) / 1e9 }
  public var description: String { text }

  public static func < (a: GoDuration, b: GoDuration) -> Bool { a.nanoseconds < b.nanoseconds }
  public static func == (a: GoDuration, b: GoDuration) -> Bool { a.nanoseconds == b.nanoseconds }
  public func hash(into hasher: inout Hasher) { hasher.combine(nanoseconds) }
}
