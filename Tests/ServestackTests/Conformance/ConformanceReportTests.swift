import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing

@Suite("Conformance reports: console, JSON (schema-validated), JUnit (XSD-validated), Prometheus")
struct ConformanceReportTests {
  @Test(
    "the JSON report validates against docs/report-schema.json and reads back",
    .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
  func jsonValidatesAndRoundTrips() throws {
    let directory = try TemporaryDirectory()
    let report = ReportFixtures.sample()
    #expect(try ReportFixtures.validateJSON(report.jsonText, in: directory) == nil)
    let back = try ConformanceReport(json: try JSONValue(parsing: report.jsonText))
    #expect(back == report)
    #expect(report.json["result"] == "failed")
    #expect(report.json["summary"]?["failed"] == 1)
    #expect(report.exitCode == 1)
  }

  @Test(
    "the schema rejects a report that breaks it (so the validation above can fail)",
    .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
  func schemaRejectsBrokenReports() throws {
    let directory = try TemporaryDirectory()
    var json = ReportFixtures.sample().json
    json["result"] = "maybe"
    #expect(try ReportFixtures.validateJSON(json.serialized(), in: directory)?.contains("result") == true)
    var missing = ReportFixtures.sample().json
    missing.remove(at: ["phases"])
    #expect(try ReportFixtures.validateJSON(missing.serialized(), in: directory)?.contains("phases") == true)
    #expect(throws: ConformanceError.self) { try ConformanceReport(json: missing) }
    var other = ReportFixtures.sample().json
    other["schemaVersion"] = "servestack.io/conformance-report/v9"
    #expect(throws: ConformanceError.self) { try ConformanceReport(json: other) }
  }

  @Test(
    "the JUnit report validates against the XSD: one testsuite per phase, one testcase per check",
    .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
  func junitValidates() throws {
    let directory = try TemporaryDirectory()
    let xml = ReportFixtures.sample().junitXML
    let result = try ReportFixtures.validateJUnit(xml, in: directory)
    #expect(result.error == nil)
    #expect(result.suites == ["smoke 4 0 0 4", "gpu-inference 1 0 1 1", "autoscaling 2 1 1 2"])
    #expect(
      xml.contains(
        "<failure message=\"ready replicas of sklearn-iris-scale stayed at 1 (wanted more than 1) &lt;&amp;&gt; &quot;quoted&quot;\" type=\"observe\">"
      ))
    #expect(xml.contains("- pod x-abc: Pending (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)"))
    #expect(xml.contains("<skipped message=\"not run: step &apos;scale-up&apos; failed\"/>"))
  }

  @Test(
    "the XSD rejects JUnit that breaks the format (so the validation above can fail)",
    .enabled(if: PythonModules.hasReportValidators, "\(PythonModules.missingReason(PythonModules.reportValidators))"))
  func xsdRejectsBrokenJUnit() throws {
    let directory = try TemporaryDirectory()
    let good = ReportFixtures.sample().junitXML
    let noName = good.replacingOccurrences(of: "<testcase name=\"create\"", with: "<testcase")
    #expect(try ReportFixtures.validateJUnit(noName, in: directory).error != nil)
    let badTime = good.replacingOccurrences(of: "time=\"9.100\"", with: "time=\"soon\"")
    #expect(try ReportFixtures.validateJUnit(badTime, in: directory).error != nil)
  }

  @Test("the console table has phase, check, result, duration and reason, with the diagnosis under failures")
  func consoleTable() {
    let table = ReportFixtures.sample().consoleTable()
    let lines = table.split(separator: "\n").map(String.init)
    #expect(lines[0].hasPrefix("PHASE"))
    #expect(
      lines[0].contains("CHECK") && lines[0].contains("RESULT") && lines[0].contains("DURATION")
        && lines[0].contains("REASON"))
    #expect(
      lines.contains {
        $0.hasPrefix("smoke") && $0.contains("v1-predict") && $0.contains("passed") && $0.contains("50ms")
      })
    #expect(lines.contains { $0.hasPrefix("autoscaling") && $0.contains("scale-up") && $0.contains("failed") })
    #expect(
      lines.contains("    - event Warning Failed pod x: Failed to pull image \"kserve/sklearnserver:v0.16.0\" line two")
    )
    #expect(
      lines.contains {
        $0.hasPrefix("autoscaling: ") && $0.contains("coldStartSeconds=3.5s") && $0.contains("requests=420")
      })
    #expect(lines.last == "FAILED: 4 passed, 1 failed, 2 skipped in 3 phases (1m33s)")
    #expect(!table.contains("\u{1B}["))
    #expect(ReportFixtures.sample().consoleTable(color: true).contains("\u{1B}[31mfailed"))
  }

  @Test("Prometheus text: pass/fail per phase and check, latency quantiles, scale figures")
  func prometheus() throws {
    let text = ReportFixtures.sample().prometheusText
    #expect(text.contains("servestack_test_phase_passed{phase=\"smoke\"} 1\n"))
    #expect(text.contains("servestack_test_phase_passed{phase=\"autoscaling\"} 0\n"))
    #expect(text.contains("servestack_test_phase_skipped{phase=\"gpu-inference\"} 1\n"))
    #expect(text.contains("servestack_test_check_passed{phase=\"smoke\",check=\"ready\"} 1\n"))
    #expect(text.contains("servestack_test_request_latency_seconds{phase=\"autoscaling\",quantile=\"0.99\"} 0.25\n"))
    #expect(text.contains("servestack_test_cold_start_seconds{phase=\"autoscaling\"} 3.5\n"))
    #expect(text.contains("servestack_test_run_passed 0\n"))
    // Every sample line is `name{labels} value` with a TYPE line before its family.
    var typed = Set<String>()
    for line in text.split(separator: "\n") {
      if line.hasPrefix("# TYPE ") { typed.insert(String(line.split(separator: " ")[2])) }
      if line.hasPrefix("#") { continue }
      let name = String(line.prefix { $0 != "{" && $0 != " " })
      #expect(typed.contains(name), "\(line)")
      #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
    }
  }
}
