import ServestackCore

/// Where two JSON values differ, as a person would say it: `[0]: expected 1, got 0`. Numbers compare by
/// value (`1` equals `1.0`), objects ignore key order.
enum JSONDiff {
  /// At most `limit` differences, each `path: expected X, got Y`.
  static func differences(expected: JSONValue, actual: JSONValue, path: String = "", limit: Int = 5) -> [String] {
    var found: [String] = []
    collect(expected, actual, path, &found, limit)
    return found
  }

  private static func collect(
    _ expected: JSONValue, _ actual: JSONValue, _ path: String, _ found: inout [String], _ limit: Int
  ) {
    guard found.count < limit else { return }
    if expected.semanticallyEquals(actual) { return }
    let here = path.isEmpty ? "value" : path
    switch (expected, actual) {
    case (.array(let e), .array(let a)):
      if e.count != a.count {
        found.append(
          "\(here): expected \(e.count) element\(e.count == 1 ? "" : "s"), got \(a.count) (\(brief(actual)))")
        return
      }
      for (index, pair) in zip(e, a).enumerated() { collect(pair.0, pair.1, "\(path)[\(index)]", &found, limit) }
    case (.object(let e), .object(let a)):
      for (key, value) in e {
        guard let theirs = a[key] else {
          found.append("\(path.isEmpty ? "" : path + ".")\(key): missing (expected \(brief(value)))")
          continue
        }
        collect(value, theirs, path.isEmpty ? key : "\(path).\(key)", &found, limit)
      }
      for key in a.keys where e[key] == nil && found.count < limit {
        found.append("\(path.isEmpty ? "" : path + ".")\(key): unexpected member (\(brief(a[key] ?? .null)))")
      }
    default:
      found.append("\(here): expected \(brief(expected)), got \(brief(actual))")
    }
  }

  /// Compact JSON, cut at 200 characters.
  static func brief(_ value: JSONValue) -> String {
    let text = value.serialized()
    return text.count > 200 ? String(text.prefix(200)) + "…" : text
  }
}
