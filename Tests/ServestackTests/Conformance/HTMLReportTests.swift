import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing

/// The HTML report: self-contained, escaped everywhere, and rendered by a real browser (headless Chromium)
/// with no console error and its SVG charts present.
@Suite("Conformance report: HTML")
struct HTMLReportTests {
  static let chromium = TestEnvironment.which("chromium") ?? TestEnvironment.which("chromium-browser")
  static let noChromium = "needs chromium (Debian package chromium; scripts/apt-packages-test.txt); skipped"
  static let attack = "<script>alert('x')</script><img src=x onerror=alert(1)>"

  /// The sample report, with markup in a reason, a diagnosis, a phase name and a GPU phase.
  static func hostile() -> ConformanceReport {
    var report = ReportFixtures.sample()
    report.phases[2].checks[0].reason += " " + attack
    report.phases[2].checks[0].diagnosis.append("event Warning: " + attack)
    report.phases[0].checks[2].reason = "status 200 \"quoted\" & <b>bold</b>"
    report.phases[1].gpuProof = .gpuAllocated
    report.phases[1].name = "gpu-<i>inference</i>"
    return report
  }

  @Test("self-contained and escaped: no script, no external resource, the attack text shown as text")
  func escapedAndSelfContained() throws {
    let html = Self.hostile().html
    #expect(!html.lowercased().contains("<script"))
    #expect(!html.contains("<img") && !html.contains("<b>bold") && !html.contains("<i>inference"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
    #expect(html.contains("gpu-&lt;i&gt;inference&lt;/i&gt;"))
    let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    for external in [
      "<link", "<img", "<video", "<audio", "@import", "url(", "=\"http", "=\"//", "<iframe", "<object", "href=",
    ] {
      #expect(!withoutNamespace.contains(external), "\(external)")
    }
    // The only URL in an attribute is the SVG namespace name, which no browser fetches (the cluster's URL is text).
    #expect(
      html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("=\"http") == false)
    #expect(html.contains("<svg class=\"chart timeline\""))
    #expect(html.contains("<svg class=\"chart scaling\""))
    #expect(html.contains("class=\"latency p99\"") && html.contains("class=\"replicas\""))
    #expect(html.contains("GPU allocated to the pod (not proven: GPU busy during requests (DCGM))"))
    #expect(ConformanceReport.html("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
  }

  @Test("the autoscaling timeline: windows of replicas and latency quantiles, kept in the JSON report")
  func timelineWindows() throws {
    let answers = [0.2, 0.4, 0.6, 1.1, 1.5, 2.5].enumerated().map {
      LoadSample(atSeconds: $0.element, latencySeconds: Double($0.offset + 1))
    }
    let points = TimelinePoint.windows(replicas: [(0, 0), (0.9, 1), (1.8, 2)], answers: answers, window: 1)
    #expect(points.map { $0.seconds } == [1, 2, 2.5])
    #expect(points.map { $0.readyReplicas } == [1, 2, 2])
    #expect(points.map { $0.answered } == [3, 2, 1])
    #expect(points[0].latencyP50Seconds == 2 && points[0].latencyP99Seconds == 3)
    let report = ReportFixtures.sample()
    let back = try ConformanceReport(json: try JSONValue(parsing: report.jsonText))
    #expect(back.phases[2].checks[0].timeline == ReportFixtures.scalingTimeline())
  }

  /// Runs headless Chromium on `file` with `arguments`; stdout and stderr.
  static func chromium(_ arguments: [String], file: URL, in directory: TemporaryDirectory) throws -> Shell.Output {
    let binary = try #require(chromium)
    return try Shell.run(
      binary,
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--user-data-dir=\(directory.file("profile").path)", "--enable-logging=stderr", "--v=0",
      ] + arguments + ["file://\(file.path)"],
      environment: ["HOME": directory.path, "PATH": "/usr/bin:/bin"])
  }

  /// Console messages Chromium logs for the page (`CONSOLE(…)` lines; errors from scripts, blocked loads).
  static func consoleErrors(_ stderr: String) -> [String] {
    stderr.split(separator: "\n").map(String.init).filter {
      $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("net::ERR_")
    }
  }

  @Test(
    "headless Chromium renders it: no console error, the SVG charts in the DOM, a screenshot for review",
    .enabled(if: chromium != nil, "\(noChromium)"))
  func rendersInChromium() throws {
    let directory = try TemporaryDirectory(prefix: "servestack-html")
    let file = try directory.write("report.html", Self.hostile().html)
    let dom = try Self.chromium(["--dump-dom"], file: file, in: directory)
    #expect(dom.status == 0, "\(dom.stderr)")
    #expect(dom.stdout.contains("<svg class=\"chart timeline\""), "\(dom.stdout.prefix(400))")
    #expect(dom.stdout.contains("<svg class=\"chart scaling\""))
    #expect(dom.stdout.contains("<polyline class=\"latency p99\""))
    #expect(!dom.stdout.lowercased().contains("<script"))
    #expect(Self.consoleErrors(dom.stderr).isEmpty, "\(Self.consoleErrors(dom.stderr))")
    let png = directory.file("report.png")
    let shot = try Self.chromium(
      ["--screenshot=\(png.path)", "--window-size=1280,2000", "--hide-scrollbars"], file: file, in: directory)
    #expect(shot.status == 0, "\(shot.stderr)")
    let bytes = try Data(contentsOf: png)
    #expect(bytes.count > 20_000 && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    #expect(Self.consoleErrors(shot.stderr).isEmpty, "\(Self.consoleErrors(shot.stderr))")
    if let keep = ProcessInfo.processInfo.environment["SERVESTACK_REPORT_SCREENSHOT_DIR"] {
      try? FileManager.default.removeItem(atPath: keep + "/report.png")
      try FileManager.default.copyItem(at: png, to: URL(fileURLWithPath: keep + "/report.png"))
    }
    // The console check can fail: a page that logs an error and loads a missing file is caught.
    let bad = try directory.write(
      "bad.html", "<!DOCTYPE html><html><body><script>console.error('broken')</script></body></html>")
    #expect(!Self.consoleErrors(try Self.chromium(["--dump-dom"], file: bad, in: directory).stderr).isEmpty)
  }
}
