import Foundation

/// A five-field cron schedule (minute hour day-of-month month day-of-week, or `@hourly`…`@yearly`), read
/// only far enough to know how long the job may go between runs: the alerts' "no successful run within two
/// schedule periods" needs that period.
public struct CronSchedule: Sendable, Hashable {
  let minutes: Set<Int>
  let hours: Set<Int>
  let daysOfMonth: Set<Int>
  let months: Set<Int>
  let daysOfWeek: Set<Int>
  /// Cron's rule: when both day fields are restricted, a day matches either.
  let dayEither: Bool

  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) naming the field that is not understood.
  public init(_ text: String) throws(ConformanceError) {
    let macros = [
      "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
      "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]
    let expanded = macros[text.trimmingCharacters(in: .whitespaces)] ?? text
    let fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    guard fields.count == 5 else {
      throw ConformanceError(
        .invalidOption, "--schedule '\(text)' is not a five-field cron schedule such as \"0 */6 * * *\"")
    }
    minutes = try Self.field(fields[0], 0...59, text)
    hours = try Self.field(fields[1], 0...23, text)
    daysOfMonth = try Self.field(fields[2], 1...31, text)
    months = try Self.field(fields[3], 1...12, text)
    // 7 is Sunday too.
    daysOfWeek = Set(try Self.field(fields[4], 0...7, text).map { $0 % 7 })
    dayEither = fields[2] != "*" && fields[4] != "*"
  }

  static func field(_ text: String, _ range: ClosedRange<Int>, _ schedule: String) throws(ConformanceError) -> Set<Int>
  {
    var values = Set<Int>()
    for part in text.split(separator: ",") {
      let pieces = part.split(separator: "/", maxSplits: 1).map(String.init)
      let step = pieces.count == 2 ? Int(pieces[1]) : 1
      var low = range.lowerBound
      var high = range.upperBound
      if pieces[0] != "*" {
        let bounds = pieces[0].split(separator: "-", maxSplits: 1).compactMap { Int($0) }
        guard (1...2).contains(bounds.count) else { throw bad(text, schedule) }
        low = bounds[0]
        high = bounds.count == 2 ? bounds[1] : (pieces.count == 2 ? range.upperBound : bounds[0])
      }
      guard let step, step > 0, range.contains(low), range.contains(high), low <= high else {
        throw bad(text, schedule)
      }
      values.formUnion(stride(from: low, through: high, by: step))
    }
    guard !values.isEmpty else { throw bad(text, schedule) }
    return values
  }

  static func bad(_ field: String, _ schedule: String) -> ConformanceError {
    ConformanceError(.invalidOption, "--schedule '\(schedule)': cannot read the field '\(field)'")
  }

  /// The longest time between two runs over a year (UTC), in seconds: an hourly job gives 3600, "0 */6 * * *"
  /// gives 21600, "0 3 * * 1-5" gives 3 days (Friday to Monday).
  public var longestGapSeconds: Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
    let start = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01T00:00:00Z
    let times = hours.sorted().flatMap { hour in minutes.sorted().map { hour * 3600 + $0 * 60 } }
    var previous: Int?
    var longest = 0
    for day in 0..<(366 + 31) {
      let date = start.addingTimeInterval(Double(day) * 86_400)
      let parts = calendar.dateComponents([.day, .month, .weekday], from: date)
      guard let dom = parts.day, let month = parts.month, let weekday = parts.weekday, months.contains(month) else {
        continue
      }
      let domHit = daysOfMonth.contains(dom)
      let dowHit = daysOfWeek.contains(weekday - 1)
      guard dayEither ? (domHit || dowHit) : (domHit && dowHit) else { continue }
      for time in times {
        let at = day * 86_400 + time
        if let previous { longest = max(longest, at - previous) }
        previous = at
      }
    }
    return max(longest, 60)
  }
}
