public import Foundation
public import ServestackCore

/// A Kubernetes resource quantity (`500m`, `1`, `2Gi`, `1e3`), compared by value: `1000m` equals `1`, as the
/// apiserver, which stores the canonical form, sees them.
public struct Quantity: Hashable, Sendable, CustomStringConvertible {
  /// The exact value (`1Ki` is 1024, `250m` is 0.25).
  public let value: Decimal
  /// The text it was read from.
  public let text: String

  /// Binary suffixes first, so that `Mi` is not read as `M` followed by `i`.
  private static let suffixes: [(String, Decimal)] = [
    ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
    ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
    ("n", Decimal(sign: .plus, exponent: -9, significand: 1)),
    ("u", Decimal(sign: .plus, exponent: -6, significand: 1)),
    ("m", Decimal(sign: .plus, exponent: -3, significand: 1)), ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000),
    ("T", 1_000_000_000_000), ("P", 1_000_000_000_000_000), ("E", 1_000_000_000_000_000_000),
  ]

  /// Reads `text` in the apiserver's grammar: an optionally signed decimal number, then a binary suffix
  /// (`Ki`…`Ei`), a decimal one (`n`, `u`, `m`, `k`, `M`…`E`) or an exponent (`e3`, `E-2`).
  ///
  /// #### Errors
  /// ``ValueError`` when `text` is not a quantity.
  public init(_ text: String) throws(ValueError) {
    self.text = text
    let numberEnd =
      text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "+" || $0 == "-")) } ?? text.endIndex
    let number = text[..<numberEnd]
    let suffix = text[numberEnd...]
    guard number.contains(where: \.isNumber), Self.isPlainDecimal(number), let base = Decimal(string: String(number))
    else {
      throw ValueError(kind: "quantity", value: text, problem: "expected a number such as 500m, 2Gi or 1.5")
    }
    if suffix.isEmpty {
      value = base
    } else if let factor = Self.suffixes.first(where: { $0.0 == suffix })?.1 {
      value = base * factor
    } else if let exponent = Self.exponent(suffix) {
      value = base * Decimal(sign: .plus, exponent: exponent, significand: 1)
    } else {
      throw ValueError(
        kind: "quantity", value: text, problem: "unknown suffix '\(suffix)' (use Ki, Mi, Gi, m, k, M, G or e<n>)")
    }
  }

  /// A quantity as JSON holds it: a string (`"500m"`) or a bare number (`4`); nil for anything else.
  public init?(json: JSONValue?) {
    switch json {
    case .string(let text)?: try? self.init(text)
    case .int(let number)?: try? self.init(String(number))
    default: return nil
    }
  }

  /// The value when it is a whole number that fits an `Int` (`2k` is 2000, `1500m` is nil).
  public var wholeValue: Int? {
    var rounded = Decimal()
    var exact = value
    NSDecimalRound(&rounded, &exact, 0, .plain)
    guard rounded == value, abs(value) < Decimal(Int.max) else { return nil }
    return NSDecimalNumber(decimal: value).intValue
  }

  public var description: String { text }

  public static func == (a: Quantity, b: Quantity) -> Bool { a.value == b.value }
  public func hash(into hasher: inout Hasher) { hasher.combine(value) }

  /// A sign only in front, at most one point, digits around it.
  private static func isPlainDecimal(_ number: Substring) -> Bool {
    let unsigned = number.first == "+" || number.first == "-" ? number.dropFirst() : number
    return !unsigned.isEmpty && unsigned.allSatisfy { $0.isNumber || $0 == "." } && unsigned.count { $0 == "." } <= 1
      && unsigned.first != "." && unsigned.last != "."
  }

  /// `e3`, `E-2`: the exponent; nil for anything else. Bounded well within what Decimal holds.
  private static func exponent(_ suffix: Substring) -> Int? {
    guard suffix.first == "e" || suffix.first == "E", let exponent = Int(suffix.dropFirst()), abs(exponent) <= 64 else {
      return nil
    }
    return exponent
  }
}
