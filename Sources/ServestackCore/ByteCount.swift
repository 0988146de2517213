/// Formats a byte count for people: `512 B`, `1.5 KiB`, `201.1 MiB`.
public func formatBytes(_ count: Int64) -> String {
  let units = ["B", "KiB", "MiB", "GiB", "TiB"]
  var value = Double(count)
  var unit = 0
  while abs(value) >= 1024, unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  if unit == 0 { return "\(count) B" }
  let rounded = (value * 10).rounded() / 10
  return "\(rounded) \(units[unit])"
}

/// Formats a duration in seconds for progress lines: `850ms`, `12.3s`, `4m05s`.
public func formatSeconds(_ seconds: Double) -> String {
  if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
  if seconds < 60 { return "\((seconds * 10).rounded() / 10)s" }
  let total = Int(seconds.rounded())
  let s = total % 60
  return "\(total / 60)m\(s < 10 ? "0" : "")\(s)s"
}
