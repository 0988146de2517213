public import Foundation

extension ConformanceReport {
  /// Writes one rendering of a report (`jsonText`, `junitXML`) to `url`.
  ///
  /// #### Errors
  /// ``ConformanceError`` `.reportIO` naming the path.
  public static func write(_ text: String, to url: URL) throws(ConformanceError) {
    do {
      try Data(text.utf8).write(to: url)
    } catch {
      throw ConformanceError(.reportIO, "cannot write \(url.path): \(error.localizedDescription)")
    }
  }
}
