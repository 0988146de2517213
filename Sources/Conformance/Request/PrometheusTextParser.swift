/// One sample of Prometheus text exposition format: `name{label="value",…} 12.5`.
struct PrometheusSample: Sendable, Hashable {
  var name: String
  var labels: [String: String]
  var value: Double

  /// The samples of `text`; comment lines and lines that do not parse are skipped.
  static func parse(_ text: String) -> [PrometheusSample] {
    var samples: [PrometheusSample] = []
    for line in text.split(separator: "\n") {
      let line = line.drop { $0 == " " }
      guard !line.isEmpty, !line.hasPrefix("#") else { continue }
      var name = ""
      var labels: [String: String] = [:]
      var rest = line[...]
      name = String(rest.prefix { $0 != "{" && $0 != " " })
      rest = rest.dropFirst(name.count)
      if rest.first == "{" {
        rest = rest.dropFirst()
        while let first = rest.first, first != "}" {
          if first == "," || first == " " {
            rest = rest.dropFirst()
            continue
          }
          let key = String(rest.prefix { $0 != "=" })
          rest = rest.dropFirst(key.count + 1)
          guard rest.first == "\"" else { break }
          rest = rest.dropFirst()
          var value = ""
          while let character = rest.first, character != "\"" {
            rest = rest.dropFirst()
            if character == "\\", let escaped = rest.first {
              rest = rest.dropFirst()
              value.append(escaped == "n" ? "\n" : escaped)
            } else {
              value.append(character)
            }
          }
          rest = rest.dropFirst()
          labels[key] = value
        }
        rest = rest.dropFirst()
      }
      let fields = rest.split(separator: " ")
      guard !name.isEmpty, let valueText = fields.first, let value = Double(valueText) else { continue }
      samples.append(PrometheusSample(name: name, labels: labels, value: value))
    }
    return samples
  }
}
