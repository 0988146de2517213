/// Escapes text for HTML or XML markup, by one of two rule tables: the characters that would end element text
/// or a quoted attribute value become entities, and characters the format cannot carry are dropped (HTML) or
/// become U+FFFD (XML 1.0, whose parsers refuse the whole document otherwise).
public struct MarkupEscaper: Sendable {
  /// The characters written as entities.
  public let entities: [Unicode.Scalar: String]
  /// Whether the format carries a character as it is (by its scalar value).
  let carries: @Sendable (UInt32) -> Bool
  /// What stands for a character the format cannot carry; nil drops it.
  let replacement: Unicode.Scalar?

  /// HTML element text and quoted attribute values: `&`, `<`, `>`, `"`, `'` escaped; control characters other
  /// than tab and newline dropped.
  public static let html = MarkupEscaper(
    entities: ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"],
    carries: { $0 == 0x09 || $0 == 0x0A || ($0 >= 0x20 && $0 != 0x7F) }, replacement: nil)

  /// XML 1.0 element text: the five predefined entities, carriage returns as `&#13;` (a parser would read a
  /// literal one as a newline); tab and newline kept; what XML 1.0 cannot carry (other control characters,
  /// U+FFFE, U+FFFF) becomes U+FFFD.
  public static let xmlText = MarkupEscaper(
    entities: ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;", "\r": "&#13;"],
    carries: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 != 0xFFFE && $0 != 0xFFFF) },
    replacement: "\u{FFFD}")

  /// XML 1.0 attribute values: as ``xmlText``, with newlines and tabs as `&#10;` and `&#9;` so that
  /// attribute-value normalization does not turn them into spaces.
  public static let xmlAttribute = MarkupEscaper(
    entities: xmlText.entities.merging(["\n": "&#10;", "\t": "&#9;"]) { _, new in new }, carries: xmlText.carries,
    replacement: xmlText.replacement)

  public func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if let entity = entities[scalar] {
        out += entity
      } else if carries(scalar.value) {
        out.unicodeScalars.append(scalar)
      } else if let replacement {
        out.unicodeScalars.append(replacement)
      }
    }
    return out
  }
}
