import Foundation
import ServestackCore

extension ConformanceReport {
  /// The report as one self-contained HTML page: inline CSS and inline SVG only (no script, font, image or
  /// style sheet is fetched), with the phase timeline, every check's result, reason and diagnosis, the
  /// autoscaling chart (ready replicas and p50/p95/p99 latency over time) and each GPU phase's proof level.
  /// Every text from the cluster or the phase files is HTML-escaped.
  public var html: String {
    let s = summary
    var page = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>servestack conformance: \(outcome.rawValue) (\(Self.html(profile)))</title>
      <style>\(Self.styleSheet)</style>
      </head>
      <body>
      <header>
      <h1>servestack conformance <span class="badge \(outcome.rawValue)">\(outcome.rawValue.uppercased())</span></h1>
      <p class="meta">\(Self.html(Self.timestamp(startedAt))) · \(Self.html(formatSeconds(durationSeconds))) · profile
      <b>\(Self.html(profile))</b> · namespace <code>\(Self.html(namespace))</code>\(clusterLine) · servestack \(Self.html(toolVersion))</p>
      <p class="counts"><span class="passed">\(s.passed) passed</span> <span class="failed">\(s.failed) failed</span>
      <span class="skipped">\(s.skipped) skipped</span> in \(s.phases) phase\(s.phases == 1 ? "" : "s"), \(s.checks) checks</p>
      </header>
      <main>
      <section id="timeline"><h2>Phase timeline</h2>
      \(timelineSVG)
      </section>

      """
    for phase in phases where phase.gpuProof != nil {
      page += gpuSection(phase)
    }
    for (index, phase) in phases.enumerated() {
      for check in phase.checks where !check.timeline.isEmpty {
        page += """
          <section class="scaling"><h2>Autoscaling: \(Self.html(phase.name)) / \(Self.html(check.name))</h2>
          \(Self.scalingSVG(check.timeline, id: "scaling-\(index)-\(Self.html(check.name))"))
          \(Self.figures(check.metrics))
          </section>

          """
      }
    }
    page += rolloutSections
    page += "<section id=\"checks\"><h2>Checks</h2>\n"
    for phase in phases { page += phaseTable(phase) }
    page += "</section>\n</main>\n</body>\n</html>\n"
    return page
  }

  var clusterLine: String {
    guard let clusterServer else { return "" }
    return " · cluster <code>\(Self.html(clusterServer))</code>"
  }

  func gpuSection(_ phase: PhaseReport) -> String {
    let reached = phase.gpuProof ?? GPUProofLevel.none
    var steps = ""
    for level in GPUProofLevel.allCases where level != .none {
      let state = level <= reached ? "proven" : "unproven"
      steps +=
        "<li class=\"\(state)\"><span class=\"mark\">\(level <= reached ? "✓" : "✗")</span> \(Self.html(level.description))</li>\n"
    }
    return """
      <section class="gpu"><h2>GPU proof: \(Self.html(phase.name))</h2>
      <p class="gpu-level" data-level="\(reached.rawValue)">\(Self.html(reached.summary))</p>
      <ol class="ladder">
      \(steps)</ol>
      </section>

      """
  }

  func phaseTable(_ phase: PhaseReport) -> String {
    var rows = ""
    for check in phase.checks {
      var reason = "<div class=\"reason\">\(Self.html(check.reason))</div>"
      if !check.diagnosis.isEmpty {
        reason += "<ul class=\"diagnosis\">" + check.diagnosis.map { "<li>\(Self.html($0))</li>" }.joined() + "</ul>"
      }
      if !check.metrics.isEmpty { reason += Self.figures(check.metrics) }
      rows += """
        <tr class="\(check.outcome.rawValue)"><td>\(Self.html(check.name))</td><td>\(Self.html(check.action))</td>
        <td><span class="badge \(check.outcome.rawValue)">\(check.outcome.rawValue)</span></td>
        <td class="num">\(Self.html(formatSeconds(check.durationSeconds)))</td><td>\(reason)</td></tr>

        """
    }
    let file = phase.file.map { " <code>\(Self.html($0))</code>" } ?? ""
    let why = phase.reason.isEmpty ? "" : "<p class=\"reason\">\(Self.html(phase.reason))</p>"
    return """
      <article class="phase"><h3><span class="badge \(phase.outcome.rawValue)">\(phase.outcome.rawValue)</span> \(Self.html(phase.name))\(file)
      <small>\(Self.html(formatSeconds(phase.durationSeconds)))</small></h3>\(why)
      <table><thead><tr><th>check</th><th>action</th><th>result</th><th>duration</th><th>reason and diagnosis</th></tr></thead>
      <tbody>
      \(rows)</tbody></table></article>

      """
  }

  /// `name = value` chips for a check's or phase's figures.
  static func figures(_ metrics: [String: Double]) -> String {
    guard !metrics.isEmpty else { return "" }
    let items = metrics.sorted { $0.key < $1.key }.map {
      "<span class=\"figure\">\(html($0.key)) = <b>\(html(figure($0.key, $0.value)))</b></span>"
    }
    return "<div class=\"figures\">" + items.joined(separator: " ") + "</div>"
  }

  /// Text for HTML element content and quoted attribute values (``MarkupEscaper/html``).
  public static func html(_ text: String) -> String { MarkupEscaper.html.escape(text) }

  static let styleSheet = """
    :root{--pass:#1a7f37;--fail:#cf222e;--skip:#9a6700;--ink:#1f2328;--mute:#656d76;--line:#d0d7de;--bg:#f6f8fa}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:#fff}
    header{padding:20px 32px;background:var(--bg);border-bottom:1px solid var(--line)}main{padding:8px 32px 40px}
    h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 10px}h3{font-size:15px;margin:18px 0 6px}
    h3 small{color:var(--mute);font-weight:normal;margin-left:6px}.meta,.counts{margin:4px 0;color:var(--mute)}
    code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:1px 4px;border-radius:4px}
    .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle}
    .badge.passed{background:var(--pass)}.badge.failed{background:var(--fail)}.badge.skipped{background:var(--skip)}
    .counts .passed{color:var(--pass)}.counts .failed{color:var(--fail)}.counts .skipped{color:var(--skip)}
    table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
    th{background:var(--bg);font-weight:600}td.num{text-align:right;white-space:nowrap}tr.failed td{background:#fff5f5}
    .reason{white-space:pre-wrap;word-break:break-word}.diagnosis{margin:4px 0 0 18px;padding:0;color:var(--fail)}
    .figures{margin-top:4px}.figure{display:inline-block;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:0 6px;margin:2px 4px 0 0;font-size:12px}
    svg{display:block;max-width:100%;height:auto;font:12px system-ui,sans-serif}
    .ladder{list-style:none;padding:0;display:flex;gap:8px;flex-wrap:wrap}.ladder li{border:1px solid var(--line);border-radius:6px;padding:6px 10px}
    .ladder li.proven{border-color:var(--pass);background:#dafbe1}.ladder li.unproven{color:var(--mute);background:var(--bg)}
    .mark{font-weight:700}.gpu-level{font-weight:600}
    """
}
