import ServestackCore

/// Durations as phase files write them, Go style: `500ms`, `30s`, `5m`, `1m30s`, `1h`.
enum StepDuration {
  static func parse(_ text: String) throws(ValueError) -> Duration {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    var rest = Substring(text.filter { $0 != " " })
    guard !rest.isEmpty else { throw ValueError(kind: "duration", value: text, problem: "empty") }
    var total = 0.0
    while !rest.isEmpty {
      let number = rest.prefix { $0.isNumber || $0 == "." }
      guard !number.isEmpty, let value = Double(number) else {
        throw ValueError(kind: "duration", value: text, problem: "expected a number followed by ms, s, m or h")
      }
      rest = rest.dropFirst(number.count)
      guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") }) else {
        throw ValueError(kind: "duration", value: text, problem: "expected a unit: ms, s, m or h")
      }
      rest = rest.dropFirst(unit.0.count)
      total += value * unit.1
    }
    return .milliseconds(Int64((total * 1000).rounded()))
  }
}
