import ArgumentParser

/// `--set name=value` flags (and the like) as a dictionary; a later value for a name wins.
enum Assignments {
  static func parse(_ values: [String], flag: String = "--set", example: String = "--set domain=models.example.com")
    throws
    -> [String: String]
  {
    var parsed: [String: String] = [:]
    for value in values {
      guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
        throw ValidationError("\(flag) \(value): expected name=value, e.g. \(example)")
      }
      parsed[String(value[..<equals])] = String(value[value.index(after: equals)...])
    }
    return parsed
  }
}
