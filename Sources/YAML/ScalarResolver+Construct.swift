import ServestackCore

extension ScalarResolver {
  /// PyYAML's `construct_yaml_int` on the whole scalar text: `_` ignored, an optional sign, then `0`, `0b…`,
  /// `0x…`, octal `0…`, sexagesimal `a:b:c` or decimal. `nil` when the text is none of these.
  ///
  /// Python integers have no bound; a value outside `Int` becomes the nearest `Double`.
  static func constructInt(_ s: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    var i = 0
    var negative = false
    if let first = s.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
      negative = first == UInt8(ascii: "-")
      i = 1
    }
    // Fast path: plain decimal, the common case (ports, replicas, sizes).
    if i < s.count, s.count - i <= 18, s[i] != UInt8(ascii: "0") {
      var value = 0
      var plain = true
      for c in s[i...] {
        guard isDigit(c) else {
          plain = false
          break
        }
        value = value &* 10 &+ Int(c &- UInt8(ascii: "0"))
      }
      if plain { return .int(negative ? -value : value) }
    }
    let body = s[i...].filter { $0 != UInt8(ascii: "_") }
    guard let first = body.first else { return nil }
    if body.count == 1, first == UInt8(ascii: "0") { return .int(0) }
    if first == UInt8(ascii: "0"), body.count > 1 {
      switch body[1] {
      case UInt8(ascii: "b"): return integer(body.dropFirst(2), radix: 2, negative: negative)
      case UInt8(ascii: "x"): return integer(body.dropFirst(2), radix: 16, negative: negative)
      default: return integer(body[...], radix: 8, negative: negative)
      }
    }
    if body.contains(UInt8(ascii: ":")) {
      var total = 0.0
      var exact = 0
      var overflow = false
      for part in body.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
        guard case .int(let digit)? = integer(part, radix: 10, negative: false) else { return nil }
        total = total * 60 + Double(digit)
        let (shifted, o1) = exact.multipliedReportingOverflow(by: 60)
        let (sum, o2) = shifted.addingReportingOverflow(digit)
        overflow = overflow || o1 || o2
        exact = sum
      }
      if overflow { return .double(negative ? -total : total) }
      return .int(negative ? -exact : exact)
    }
    let decimal = integer(body[...], radix: 10, negative: negative)
    guard case .double = decimal else { return decimal }
    // Beyond Int: the correctly rounded Double of the decimal text.
    return Double(String(decoding: body, as: UTF8.self)).map { .double(negative ? -$0 : $0) }
  }

  /// Digits of `radix`, exact in `Int` or else the nearest `Double`; `nil` on an empty or bad digit.
  private static func integer(_ digits: ArraySlice<UInt8>, radix: Int, negative: Bool) -> JSONValue? {
    guard !digits.isEmpty else { return nil }
    var value = 0
    var approximate = 0.0
    var overflow = false
    for c in digits {
      guard let d = digitValue(c), d < radix else { return nil }
      approximate = approximate * Double(radix) + Double(d)
      if !overflow {
        let (m, o1) = value.multipliedReportingOverflow(by: radix)
        let (a, o2) = m.addingReportingOverflow(d)
        overflow = o1 || o2
        value = a
      }
    }
    if overflow { return .double(negative ? -approximate : approximate) }
    return .int(negative ? -value : value)
  }

  /// PyYAML's `construct_yaml_float` on the whole scalar text: `_` ignored, case-insensitive `.inf`/`.nan`,
  /// sexagesimal `a:b.c`, else what Python's `float()` reads. `nil` when it is not a number.
  static func constructFloat(_ s: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    var text = s.filter { $0 != UInt8(ascii: "_") }.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    var sign = 1.0
    if let first = text.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
      if first == UInt8(ascii: "-") { sign = -1 }
      text.removeFirst()
    }
    guard !text.isEmpty else { return nil }
    if text.elementsEqual(".inf".utf8) { return .double(sign * .infinity) }
    if text.elementsEqual(".nan".utf8) { return .double(.nan) }
    if text.contains(UInt8(ascii: ":")) {
      var total = 0.0
      for part in text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
        guard let digit = pythonFloat(part) else { return nil }
        total = total * 60 + digit
      }
      return .double(sign * total)
    }
    return pythonFloat(text[...]).map { .double(sign * $0) }
  }

  /// Python's `float()` for the forms YAML produces: digits with an optional `.` (`1.` included) and
  /// exponent; also `inf`, `nan`, `infinity`. Hexadecimal floats and `nan(…)`, which Swift would accept, are
  /// refused as Python does.
  private static func pythonFloat(_ text: ArraySlice<UInt8>) -> Double? {
    guard !text.isEmpty, !text.contains(UInt8(ascii: "x")), !text.contains(UInt8(ascii: "(")) else { return nil }
    return Double(String(decoding: text, as: UTF8.self))
  }
}
