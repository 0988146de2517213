import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("HTML report: the canary split and the cold start")
struct RolloutHTMLTests {
  /// A canary phase whose split failed (50 % observed against 20 %) and an autoscaling phase with a cold start.
  static func report() -> ConformanceReport {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let split: [String: Double] = [
      "canaryRequests": 200, "canaryAnswers": 98, "canaryExpectedPercent": 20, "canaryObservedPercent": 49,
      "canaryIntervalLowPercent": 39.76, "canaryIntervalHighPercent": 58.29,
    ]
    return ConformanceReport(
      toolVersion: "0.1.0", startedAt: start, finishedAt: start.addingTimeInterval(60), profile: "serverless",
      clusterServer: nil, clusterContext: nil, namespace: "servestack-test-ab12c", ingressURL: nil, ingressSource: nil,
      phases: [
        PhaseReport(
          name: "autoscaling", outcome: .passed, durationSeconds: 30,
          checks: [
            CheckResult(
              name: "scale-up", action: "observe", outcome: .passed, durationSeconds: 10, reason: "rose to 3",
              metrics: ["latencyP50Seconds": 0.004, "latencyP99Seconds": 0.25, "requests": 420]),
            CheckResult(
              name: "scale-to-zero", action: "observe", outcome: .passed, durationSeconds: 12,
              reason: "fell to 0 <after> the load; cold start 2.1s", metrics: ["coldStartSeconds": 2.1]),
          ]),
        PhaseReport(
          name: "canary", outcome: .failed, durationSeconds: 20, reason: "the split is not 20 %",
          checks: [
            CheckResult(
              name: "split", action: "observe", outcome: .failed, durationSeconds: 5,
              reason: "the split is not 20 %: v2 answered 98 of 200 <script>", diagnosis: ["status: traffic …"],
              metrics: split)
          ]),
      ])
  }

  @Test("the page shows the canary's share with its interval and the cold start beside the warm p50/p99, escaped")
  func sections() throws {
    let html = Self.report().html
    #expect(html.contains("<svg class=\"chart canary\""))
    #expect(html.contains("<rect class=\"interval\"") && html.contains("<circle class=\"observed\""))
    // The interval 39.8–58.3 % excludes the configured 20 %: drawn as a failure.
    #expect(html.contains("fill=\"#ffebe9\""))
    #expect(html.contains("configured 20.0 %"))
    #expect(html.contains("<svg class=\"chart coldstart\""))
    #expect(
      html.contains(">cold start</text>") && html.contains(">warm p50</text>") && html.contains(">warm p99</text>"))
    #expect(html.contains("2.1s") && html.contains("250ms"))
    #expect(!html.contains("<script>") && html.contains("&lt;script&gt;") && html.contains("&lt;after&gt;"))
  }

  @Test(
    "headless Chromium renders the canary and cold start charts without a console error",
    .enabled(if: HTMLReportTests.chromium != nil, "\(HTMLReportTests.noChromium)"))
  func rendersInChromium() throws {
    let directory = try TemporaryDirectory(prefix: "servestack-html-rollout")
    let file = try directory.write("report.html", Self.report().html)
    let dom = try HTMLReportTests.chromium(["--dump-dom"], file: file, in: directory)
    #expect(dom.status == 0, "\(dom.stderr)")
    #expect(dom.stdout.contains("<svg class=\"chart canary\""), "\(dom.stdout.prefix(400))")
    #expect(dom.stdout.contains("<svg class=\"chart coldstart\""))
    #expect(HTMLReportTests.consoleErrors(dom.stderr).isEmpty, "\(HTMLReportTests.consoleErrors(dom.stderr))")
  }

  @Test(
    "the JSON report with canary and cold start figures validates against docs/report-schema.json",
    .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
  func schema() throws {
    let directory = try TemporaryDirectory()
    #expect(try ReportFixtures.validateJSON(Self.report().jsonText, in: directory) == nil)
  }
}
