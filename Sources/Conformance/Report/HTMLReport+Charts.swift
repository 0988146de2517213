import Foundation
import ServestackCore

extension ConformanceReport {
  /// The phases one after another on a time axis, each bar split into its checks, coloured by result.
  var timelineSVG: String {
    let width = 1200.0
    let left = 170.0
    let right = 20.0
    let rowHeight = 30.0
    let total = max(phases.reduce(0) { $0 + $1.durationSeconds }, 0.001)
    let scale = (width - left - right) / total
    let height = Double(phases.count) * rowHeight + 40
    var svg =
      "<svg class=\"chart timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"phase timeline\">\n"
    var start = 0.0
    for (row, phase) in phases.enumerated() {
      let y = 10 + Double(row) * rowHeight
      svg += "<text x=\"\(left - 8)\" y=\"\(y + 17)\" text-anchor=\"end\">\(Self.html(phase.name))</text>\n"
      var x = left + start * scale
      for check in phase.checks {
        let w = max(check.durationSeconds * scale, 1.5)
        svg +=
          "<rect x=\(Self.attr(x)) y=\(Self.attr(y + 4)) width=\(Self.attr(w)) height=\"18\" fill=\"\(Self.color(check.outcome))\" stroke=\"#fff\" stroke-width=\"0.5\">"
          + "<title>\(Self.html("\(phase.name) / \(check.name): \(check.outcome.rawValue), \(formatSeconds(check.durationSeconds))"))</title></rect>\n"
        x += check.durationSeconds * scale
      }
      if phase.checks.isEmpty {
        svg +=
          "<rect x=\(Self.attr(x)) y=\(Self.attr(y + 4)) width=\(Self.attr(max(phase.durationSeconds * scale, 1.5))) height=\"18\" fill=\"\(Self.color(phase.outcome))\"/>\n"
      }
      start += phase.durationSeconds
    }
    let axisY = 10 + Double(phases.count) * rowHeight
    svg +=
      "<line x1=\(Self.attr(left)) y1=\(Self.attr(axisY)) x2=\(Self.attr(width - right)) y2=\(Self.attr(axisY)) stroke=\"#8c959f\"/>\n"
    for tick in Self.ticks(total) {
      let x = left + tick * scale
      svg +=
        "<line x1=\(Self.attr(x)) y1=\(Self.attr(axisY)) x2=\(Self.attr(x)) y2=\(Self.attr(axisY + 4)) stroke=\"#8c959f\"/>"
      svg +=
        "<text x=\(Self.attr(x)) y=\(Self.attr(axisY + 18)) text-anchor=\"middle\" fill=\"#656d76\">\(Self.html(formatSeconds(tick)))</text>\n"
    }
    return svg + "</svg>"
  }

  /// Ready replicas (step line, right axis) and p50/p95/p99 latency (left axis) over the load's windows.
  static func scalingSVG(_ points: [TimelinePoint], id: String) -> String {
    let width = 1200.0
    let height = 360.0
    let (left, right, top, bottom) = (70.0, 70.0, 20.0, 60.0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let end = max(points.last?.seconds ?? 1, 0.001)
    let latencies = points.flatMap {
      [$0.latencyP50Seconds, $0.latencyP95Seconds, $0.latencyP99Seconds].compactMap { $0 }
    }
    let maxLatency = niceCeiling(max(latencies.max() ?? 0.001, 0.001))
    let maxReplicas = Double(max(points.compactMap(\.readyReplicas).max() ?? 1, 1))
    func x(_ t: Double) -> Double { left + t / end * plotW }
    func yLatency(_ v: Double) -> Double { top + plotH - v / maxLatency * plotH }
    func yReplicas(_ v: Double) -> Double { top + plotH - v / maxReplicas * plotH }
    var svg =
      "<svg class=\"chart scaling\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"ready replicas and latency over time\">\n"
    svg +=
      "<rect x=\(attr(left)) y=\(attr(top)) width=\(attr(plotW)) height=\(attr(plotH)) fill=\"#fbfcfd\" stroke=\"#d0d7de\"/>\n"
    for step in 0...4 {
      let v = maxLatency * Double(step) / 4
      let y = yLatency(v)
      svg += "<line x1=\(attr(left)) y1=\(attr(y)) x2=\(attr(left + plotW)) y2=\(attr(y)) stroke=\"#eaeef2\"/>"
      svg +=
        "<text x=\(attr(left - 6)) y=\(attr(y + 4)) text-anchor=\"end\" fill=\"#656d76\">\(html(formatSeconds(v)))</text>\n"
    }
    for r in 0...Int(maxReplicas) {
      svg += "<text x=\(attr(left + plotW + 6)) y=\(attr(yReplicas(Double(r)) + 4)) fill=\"#0969da\">\(r)</text>\n"
    }
    for tick in ticks(end) {
      svg +=
        "<text x=\(attr(x(tick))) y=\(attr(top + plotH + 16)) text-anchor=\"middle\" fill=\"#656d76\">\(html(formatSeconds(tick)))</text>\n"
    }
    svg +=
      "<text x=\(attr(left + plotW / 2)) y=\(attr(top + plotH + 34)) text-anchor=\"middle\" fill=\"#656d76\">time since the load started</text>\n"
    svg +=
      "<text transform=\"translate(16 \(Int(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#656d76\">latency</text>\n"
    svg +=
      "<text transform=\"translate(\(Int(width - 14)) \(Int(top + plotH / 2))) rotate(90)\" text-anchor=\"middle\" fill=\"#0969da\">ready replicas</text>\n"
    // Replicas as a step line.
    var steps: [String] = []
    var previous: Double?
    for point in points {
      guard let ready = point.readyReplicas else { continue }
      let y = yReplicas(Double(ready))
      if let previous {
        steps.append("\(fmt(x(point.seconds))),\(fmt(previous))")
      } else {
        steps.append("\(fmt(left)),\(fmt(y))")
      }
      steps.append("\(fmt(x(point.seconds))),\(fmt(y))")
      previous = y
    }
    if !steps.isEmpty {
      svg +=
        "<polyline class=\"replicas\" points=\"\(steps.joined(separator: " "))\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2.5\" opacity=\"0.6\"/>\n"
    }
    let series: [(String, String, KeyPath<TimelinePoint, Double?>)] = [
      ("p50", "#1a7f37", \.latencyP50Seconds), ("p95", "#bf8700", \.latencyP95Seconds),
      ("p99", "#cf222e", \.latencyP99Seconds),
    ]
    for (name, color, path) in series {
      let coordinates = points.compactMap { point in
        point[keyPath: path].map { "\(fmt(x(point.seconds))),\(fmt(yLatency($0)))" }
      }
      guard !coordinates.isEmpty else { continue }
      svg +=
        "<polyline class=\"latency \(name)\" points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"/>\n"
    }
    // Legend.
    let legend: [(String, String)] = [
      ("ready replicas", "#0969da"), ("p50 latency", "#1a7f37"), ("p95 latency", "#bf8700"), ("p99 latency", "#cf222e"),
    ]
    for (index, item) in legend.enumerated() {
      let lx = left + Double(index) * 150
      svg += "<rect x=\(attr(lx)) y=\(attr(height - 10)) width=\"14\" height=\"4\" fill=\"\(item.1)\"/>"
      svg += "<text x=\(attr(lx + 20)) y=\(attr(height - 5))>\(html(item.0))</text>\n"
    }
    return svg + "</svg>"
  }

  static func color(_ outcome: TestOutcome) -> String {
    switch outcome {
    case .passed: "#2da44e"
    case .failed: "#cf222e"
    case .skipped: "#d4a72c"
    }
  }

  /// About five round tick values from 0 to `end`.
  static func ticks(_ end: Double) -> [Double] {
    guard end > 0 else { return [0] }
    let step = niceCeiling(end / 5)
    return stride(from: 0, through: end, by: step).map { $0 }
  }

  /// The smallest 1, 2 or 5 × 10ⁿ at or above `value`.
  static func niceCeiling(_ value: Double) -> Double {
    let magnitude = pow(10, floor(log10(value)))
    for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
    return 10 * magnitude
  }

  static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
  static func attr(_ value: Double) -> String { "\"\(fmt(value))\"" }
}
