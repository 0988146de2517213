public import ServestackCore

/// A phase's name: a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters), because it
/// becomes a key of the state ConfigMap and part of object names.
public struct PhaseName: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let rawValue: String

  /// Validates `text`.
  ///
  /// #### Errors
  /// ``ValueError`` saying which rule the text breaks.
  public init(_ text: String) throws(ValueError) {
    guard !text.isEmpty else { throw ValueError(kind: "phase name", value: text, problem: "it is empty") }
    guard text.utf8.count <= 63 else {
      throw ValueError(kind: "phase name", value: text, problem: "longer than 63 characters")
    }
    guard PhaseName.isLabel(text) else {
      throw ValueError(
        kind: "phase name", value: text,
        problem: "use lowercase letters, digits and '-', starting and ending with a letter or digit")
    }
    rawValue = text
  }

  public var description: String { rawValue }
  public static func < (a: PhaseName, b: PhaseName) -> Bool { a.rawValue < b.rawValue }

  /// Whether `text` is a DNS-1123 label (without the length limit).
  static func isLabel(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard let first = bytes.first, let last = bytes.last else { return false }
    func alnum(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) }
    return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
  }
}
