import Foundation
import ServestackCore

extension ConformanceReport {
  /// The canary split and cold start sections of the HTML page: one per check that measured them.
  var rolloutSections: String {
    var page = ""
    for (index, phase) in phases.enumerated() {
      for check in phase.checks {
        let metrics = check.metrics
        if let observed = metrics["canaryObservedPercent"], let expected = metrics["canaryExpectedPercent"],
          let low = metrics["canaryIntervalLowPercent"], let high = metrics["canaryIntervalHighPercent"]
        {
          page += """
            <section class="canary"><h2>Canary split: \(Self.html(phase.name)) / \(Self.html(check.name)) <span class="badge \(check.outcome.rawValue)">\(check.outcome.rawValue)</span></h2>
            \(Self.canarySVG(observed: observed, expected: expected, low: low, high: high, id: "canary-\(index)-\(Self.html(check.name))"))
            <p class="reason">\(Self.html(check.reason))</p>
            \(Self.figures(metrics))
            </section>

            """
        }
        if let coldStart = metrics["coldStartSeconds"], check.action == "observe", check.timeline.isEmpty {
          let phaseMetrics = phase.metrics
          let bars: [(String, Double?)] = [
            ("cold start", coldStart), ("warm p50", phaseMetrics["latencyP50Seconds"]),
            ("warm p99", phaseMetrics["latencyP99Seconds"]),
          ]
          page += """
            <section class="coldstart"><h2>Cold start: \(Self.html(phase.name)) / \(Self.html(check.name))</h2>
            \(Self.barsSVG(bars.compactMap { label, value in value.map { (label, $0) } }, id: "coldstart-\(index)-\(Self.html(check.name))"))
            <p class="reason">\(Self.html(check.reason))</p>
            </section>

            """
        }
      }
    }
    return page
  }

  /// A 0–100 % axis with the observed share of the canary, its confidence interval as a band and whisker, and
  /// the configured share as a marker.
  static func canarySVG(observed: Double, expected: Double, low: Double, high: Double, id: String) -> String {
    let (width, height, left, right) = (1200.0, 120.0, 40.0, 40.0)
    let plotW = width - left - right
    func x(_ percent: Double) -> Double { left + min(max(percent, 0), 100) / 100 * plotW }
    let axisY = 70.0
    var svg =
      "<svg class=\"chart canary\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"share of answers from the canary revision\">\n"
    svg += "<line x1=\(attr(left)) y1=\(attr(axisY)) x2=\(attr(left + plotW)) y2=\(attr(axisY)) stroke=\"#8c959f\"/>\n"
    for tick in stride(from: 0.0, through: 100, by: 10) {
      svg +=
        "<line x1=\(attr(x(tick))) y1=\(attr(axisY)) x2=\(attr(x(tick))) y2=\(attr(axisY + 5)) stroke=\"#8c959f\"/>"
      svg +=
        "<text x=\(attr(x(tick))) y=\(attr(axisY + 20)) text-anchor=\"middle\" fill=\"#656d76\">\(Int(tick)) %</text>\n"
    }
    let inside = expected >= low && expected <= high
    svg +=
      "<rect class=\"interval\" x=\(attr(x(low))) y=\(attr(axisY - 30)) width=\(attr(max(x(high) - x(low), 1.5))) height=\"20\" fill=\"\(inside ? "#dafbe1" : "#ffebe9")\" stroke=\"\(inside ? "#1a7f37" : "#cf222e")\"><title>\(html("99 % interval \(fmt(low))–\(fmt(high)) %"))</title></rect>\n"
    svg +=
      "<circle class=\"observed\" cx=\(attr(x(observed))) cy=\(attr(axisY - 20)) r=\"6\" fill=\"#0969da\"><title>\(html("observed \(fmt(observed)) %"))</title></circle>\n"
    svg +=
      "<line class=\"expected\" x1=\(attr(x(expected))) y1=\(attr(axisY - 40)) x2=\(attr(x(expected))) y2=\(attr(axisY)) stroke=\"#1f2328\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>"
    svg +=
      "<text x=\(attr(x(expected))) y=\(attr(axisY - 44)) text-anchor=\"middle\">\(html("configured \(fmt(expected)) %"))</text>\n"
    svg +=
      "<text x=\(attr(left)) y=\"14\" fill=\"#0969da\">\(html("● observed share of the canary, ▭ its interval"))</text>\n"
    return svg + "</svg>"
  }

  /// Horizontal bars of seconds (cold start beside the warm latencies), labelled with their values.
  static func barsSVG(_ bars: [(String, Double)], id: String) -> String {
    let (width, left, right, row) = (1200.0, 110.0, 110.0, 30.0)
    let height = Double(bars.count) * row + 10
    let maximum = niceCeiling(max(bars.map(\.1).max() ?? 0.001, 0.001))
    var svg =
      "<svg class=\"chart coldstart\" id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"cold start and warm latency\">\n"
    for (index, bar) in bars.enumerated() {
      let y = 5 + Double(index) * row
      let w = max(bar.1 / maximum * (width - left - right), 1.5)
      let color = index == 0 ? "#8250df" : "#1a7f37"
      svg += "<text x=\(attr(left - 8)) y=\(attr(y + 16)) text-anchor=\"end\">\(html(bar.0))</text>"
      svg += "<rect x=\(attr(left)) y=\(attr(y + 3)) width=\(attr(w)) height=\"18\" fill=\"\(color)\"/>"
      svg += "<text x=\(attr(left + w + 6)) y=\(attr(y + 16)) fill=\"#656d76\">\(html(formatSeconds(bar.1)))</text>\n"
    }
    return svg + "</svg>"
  }
}
