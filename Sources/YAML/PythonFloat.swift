/// Python's spellings of a float, which PyYAML and `json.dumps` produce and the oracle compares against.
enum PythonFloat {
  /// `repr(d)`: shortest round-tripping digits, positional when the decimal exponent is in -4..<16
  /// (`1e+16`, `1000000000000000.0`, `0.0001`, `1e-05`), `inf`, `-inf`, `nan`.
  static func repr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    var (digits, point) = shortestDigits(abs(d))
    let sign = d < 0 ? "-" : ""
    if point > -4 && point <= 16 {
      if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
      if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + ".0" }
      digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
      return sign + digits
    }
    let exponent = point - 1
    var mantissa = String(digits.prefix(1))
    if digits.count > 1 { mantissa += "." + digits.dropFirst() }
    let magnitude = abs(exponent)
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
  }

  /// How `json.dumps` writes a float used as an object key (`Infinity`, `-Infinity`, `NaN`, else `repr`).
  static func jsonKey(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    return repr(d)
  }

  /// How PyYAML's representer writes a float: `.inf`, `-.inf`, `.nan`, else `repr` lowercased with a `.0`
  /// added to a bare exponent form so that the YAML 1.1 float pattern reads it back (`1.0e+16`).
  static func yaml(_ d: Double) -> String {
    if d.isNaN { return ".nan" }
    if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
    let text = repr(d)
    if !text.contains("."), let e = text.firstIndex(of: "e") {
      return text[..<e] + ".0" + text[e...]
    }
    return text
  }

  /// The shortest round-tripping decimal digits of a positive finite `d` (no leading or trailing zeros) and
  /// the position of the decimal point: `d == 0.<digits> × 10^point`. Swift's `description` already picks
  /// the shortest digits; this only reads them back out of whichever notation it chose.
  private static func shortestDigits(_ d: Double) -> (String, Int) {
    let text = d.description
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = text[..<e]
      exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    var digits = ""
    var point = 0
    var seenPoint = false
    for c in mantissa {
      if c == "." {
        seenPoint = true
      } else {
        digits.append(c)
        if !seenPoint { point += 1 }
      }
    }
    point += exponent
    while digits.first == "0" {
      digits.removeFirst()
      point -= 1
    }
    while digits.last == "0" { digits.removeLast() }
    return (digits, point)
  }
}
