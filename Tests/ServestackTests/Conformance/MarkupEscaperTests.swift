import Conformance
import Foundation
import TestSupport
import Testing

/// One escaper for the HTML and JUnit reports, with the rule table of each format.
@Suite("Markup escaper: HTML and XML rule tables")
struct MarkupEscaperTests {
  static let hostile = "a<b>&\"'\n\tc\r\u{0}\u{1B}\u{7F}\u{FFFE}é🙂"

  @Test(
    "each table escapes the markup characters and treats newlines and control characters as its format needs",
    arguments: [
      (MarkupEscaper.html, "a&lt;b&gt;&amp;&quot;&#39;\n\tc\u{FFFE}é🙂"),
      (MarkupEscaper.xmlText, "a&lt;b&gt;&amp;&quot;&apos;\n\tc&#13;\u{FFFD}\u{FFFD}\u{7F}\u{FFFD}é🙂"),
      (MarkupEscaper.xmlAttribute, "a&lt;b&gt;&amp;&quot;&apos;&#10;&#9;c&#13;\u{FFFD}\u{FFFD}\u{7F}\u{FFFD}é🙂"),
    ])
  func table(_ escaper: MarkupEscaper, _ expected: String) {
    #expect(escaper.escape(Self.hostile) == expected)
    #expect(escaper.escape("") == "")
  }

  @Test("what the XML tables write, Python's XML parser reads back as the text, in element text and attribute values")
  func xmlRoundTrip() throws {
    let text = "a<b>&\"'\n\tc\r\nd é🙂 ]]> --"
    let document = "<r a=\"\(MarkupEscaper.xmlAttribute.escape(text))\">\(MarkupEscaper.xmlText.escape(text))</r>"
    let script = """
      import sys, json, xml.etree.ElementTree as ET
      root = ET.fromstring(sys.stdin.read())
      print(json.dumps([root.text, root.get("a")]))
      """
    let output = try Shell.check("python3", ["-c", script], input: document)
    let values = try JSONDecoder().decode([String].self, from: Data(output.utf8))
    #expect(values == [text, text])
  }
}
