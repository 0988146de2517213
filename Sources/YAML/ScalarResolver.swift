import ServestackCore

/// Types plain (unquoted, untagged) scalars the way PyYAML's SafeLoader does (YAML 1.1), with two
/// deliberate differences:
///
/// - timestamps (`2024-01-02`, `2001-12-14t21:59:43.10-05:00`) stay strings, as Kubernetes tooling keeps them;
/// - `y`, `Y`, `n`, `N` are booleans, as in kubectl's go-yaml v2 (PyYAML keeps them strings) — as values
///   only: a key `y` stays `"y"` (``ScalarEvent`` sees to it), where kubectl would turn it into `"true"`.
///
/// Each rule is a hand-written scanner equivalent to one alternative of PyYAML's resolver regexes, chosen by
/// the first byte so that the common case (a word starting with a letter) costs one comparison.
enum ScalarResolver {
  /// The value a plain scalar denotes, or `nil` when it is a string.
  @inline(__always)
  static func resolvePlain(_ s: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    guard let first = s.first else { return .null }
    switch first {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
      return resolveNumber(s)
    case UInt8(ascii: "~"):
      return s.count == 1 ? .null : nil
    case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"),
      UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
      return s.count <= 5 ? resolveWord(s) : nil
    default:
      return nil
    }
  }

  /// Whether a plain scalar is one of kubectl's single-letter booleans `y`, `Y`, `n`, `N`.
  @inline(__always)
  static func isSingleLetterBool(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
    s.count == 1 && (s[0] | 0x20 == UInt8(ascii: "y") || s[0] | 0x20 == UInt8(ascii: "n"))
  }

  /// Whether a plain scalar is the merge key `<<`.
  @inline(__always)
  static func isMergeKey(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
    s.count == 2 && s[0] == UInt8(ascii: "<") && s[1] == UInt8(ascii: "<")
  }

  /// null and bool words (at most 5 bytes).
  private static func resolveWord(_ s: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    switch s.count {
    case 1:
      switch s[0] {
      case UInt8(ascii: "y"), UInt8(ascii: "Y"): return .bool(true)
      case UInt8(ascii: "n"), UInt8(ascii: "N"): return .bool(false)
      default: return nil
      }
    case 2:
      if isWord(s, "no") { return .bool(false) }
      if isWord(s, "on") { return .bool(true) }
    case 3:
      if isWord(s, "yes") { return .bool(true) }
      if isWord(s, "off") { return .bool(false) }
    case 4:
      if isWord(s, "true") { return .bool(true) }
      if isWord(s, "null") { return .null }
    case 5:
      if isWord(s, "false") { return .bool(false) }
    default:
      break
    }
    return nil
  }

  /// `word` (lowercase ASCII) in one of the three spellings YAML 1.1 allows: `true`, `True`, `TRUE`.
  private static func isWord(_ s: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
    let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
    guard s.count == w.count else { return false }
    let capitalized = s[0] == w[0] &- 32
    guard s[0] == w[0] || capitalized else { return false }
    // After the first letter: all lowercase, or (capitalized first letter) all uppercase.
    var lower = true
    var upper = capitalized
    for i in 1..<s.count {
      lower = lower && s[i] == w[i]
      upper = upper && s[i] == w[i] &- 32
    }
    return lower || upper
  }

  // MARK: Numbers

  @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

  /// The int and float alternatives of PyYAML's resolver:
  /// ```
  /// int:   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
  ///        | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
  /// float: [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
  ///        | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
  /// ```
  static func resolveNumber(_ s: UnsafeBufferPointer<UInt8>) -> JSONValue? {
    let n = s.count
    var i = 0
    let signed = s[0] == UInt8(ascii: "-") || s[0] == UInt8(ascii: "+")
    if signed { i = 1 }
    guard i < n else { return nil }
    let c0 = s[i]
    if c0 == UInt8(ascii: ".") { return resolveDotFloat(s, at: i, signed: signed) }
    guard isDigit(c0) else { return nil }

    if c0 == UInt8(ascii: "0"), i + 1 < n {
      let c1 = s[i + 1]
      if c1 == UInt8(ascii: "x") { return scanRadix(s, from: i + 2, radix: 16) ? constructInt(s) : nil }
      if c1 == UInt8(ascii: "b") { return scanRadix(s, from: i + 2, radix: 2) ? constructInt(s) : nil }
    }
    // [0-9][0-9_]*
    var j = i + 1
    while j < n, isDigit(s[j]) || s[j] == UInt8(ascii: "_") { j += 1 }
    if j == n {
      if c0 != UInt8(ascii: "0") || n - i == 1 { return constructInt(s) }
      return scanRadix(s, from: i + 1, radix: 8) ? constructInt(s) : nil
    }
    switch s[j] {
    case UInt8(ascii: "."):
      return scanFraction(s, from: j + 1, exponent: true) ? constructFloat(s) : nil
    case UInt8(ascii: ":"):
      // (?::[0-5]?[0-9])+ ; the greedy two-digit reading is the only one that can match.
      while j < n, s[j] == UInt8(ascii: ":") {
        guard j + 1 < n, isDigit(s[j + 1]) else { return nil }
        if j + 2 < n, isDigit(s[j + 2]) {
          guard s[j + 1] <= UInt8(ascii: "5") else { return nil }
          j += 3
        } else {
          j += 2
        }
      }
      if j == n { return c0 != UInt8(ascii: "0") ? constructInt(s) : nil }
      guard s[j] == UInt8(ascii: ".") else { return nil }
      return scanFraction(s, from: j + 1, exponent: false) ? constructFloat(s) : nil
    default:
      return nil
    }
  }

  /// `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`, `\.[0-9][0-9_]*([eE][-+][0-9]+)?` (the last two unsigned).
  private static func resolveDotFloat(_ s: UnsafeBufferPointer<UInt8>, at dot: Int, signed: Bool) -> JSONValue? {
    let rest = UnsafeBufferPointer(rebasing: s[(dot + 1)...])
    if rest.count == 3 {
      if isWord(rest, "inf") { return .double(s[0] == UInt8(ascii: "-") ? -.infinity : .infinity) }
      // nan, NaN, NAN (not Nan): the regex spells them out.
      if !signed, rest[0] | 0x20 == UInt8(ascii: "n"), rest[1] | 0x20 == UInt8(ascii: "a"), rest[2] == rest[0],
        rest[0] == UInt8(ascii: "N") || rest[1] == UInt8(ascii: "a")
      {
        return .double(.nan)
      }
    }
    guard !signed, let d = rest.first, isDigit(d) else { return nil }
    return scanFraction(s, from: dot + 2, exponent: true) ? constructFloat(s) : nil
  }

  /// `[0-9_]*` to the end, or (with `exponent`) `[0-9_]*([eE][-+][0-9]+)?`.
  private static func scanFraction(_ s: UnsafeBufferPointer<UInt8>, from start: Int, exponent: Bool) -> Bool {
    var j = start
    let n = s.count
    while j < n, isDigit(s[j]) || s[j] == UInt8(ascii: "_") { j += 1 }
    if j == n { return true }
    guard exponent, s[j] | 0x20 == UInt8(ascii: "e"), j + 2 < n,
      s[j + 1] == UInt8(ascii: "-") || s[j + 1] == UInt8(ascii: "+")
    else { return false }
    j += 2
    while j < n, isDigit(s[j]) { j += 1 }
    return j == n
  }

  /// One or more digits of `radix` (2, 8, 16) or `_`, to the end.
  private static func scanRadix(_ s: UnsafeBufferPointer<UInt8>, from start: Int, radix: Int) -> Bool {
    guard start < s.count else { return false }
    for c in s[start...] where c != UInt8(ascii: "_") {
      guard let v = digitValue(c), v < radix else { return false }
    }
    return true
  }

  @inline(__always)
  static func digitValue(_ c: UInt8) -> Int? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c &- UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c &- UInt8(ascii: "a")) + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c &- UInt8(ascii: "A")) + 10
    default: nil
    }
  }
}
