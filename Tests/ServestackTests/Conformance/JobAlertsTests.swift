import Conformance
import Foundation
import ServestackCore
import TestSupport
import Testing

/// The periodic job's PrometheusRule (checked and unit-tested by promtool on synthetic series) and Grafana
/// dashboard (its queries use only metric names the job pushes).
@Suite("Periodic job: alerts and dashboard")
struct JobAlertsTests {
  static let options = JobOptions(
    schedule: "0 */6 * * *", image: "servestack:test", alerts: JobAlerts.Thresholds(p99Seconds: 2, coldStartSeconds: 60)
  )
  static let promtool = TestEnvironment.which("promtool")
  static let noPromtool = "needs promtool (Debian package prometheus; scripts/apt-packages-test.txt); skipped"

  @Test("the schedule's longest gap between runs gives the 'two periods' of the no-success alert")
  func schedulePeriods() throws {
    #expect(try CronSchedule("0 */6 * * *").longestGapSeconds == 21_600)
    #expect(try CronSchedule("*/30 * * * *").longestGapSeconds == 1_800)
    #expect(try CronSchedule("@hourly").longestGapSeconds == 3_600)
    #expect(try CronSchedule("0 3 * * 1-5").longestGapSeconds == 3 * 86_400)
    #expect(try CronSchedule("0 0,12 * * *").longestGapSeconds == 43_200)
    #expect(throws: ConformanceError.self) { try CronSchedule("0 25 * * *") }
    #expect(throws: ConformanceError.self) { try CronSchedule("0 */0 * * *") }
    var bad = Self.options
    bad.alerts = JobAlerts.Thresholds(p99Seconds: 0)
    #expect(throws: ConformanceError.self) { try JobRenderer.objects(bad) }
  }

  @Test(
    "the job renders a PrometheusRule and a dashboard ConfigMap labelled grafana_dashboard: \"1\"; flags turn them off")
  func rendered() throws {
    let objects = try JobRenderer.objects(Self.options)
    let rule = try #require(objects.first { $0["kind"] == "PrometheusRule" })
    #expect(rule["apiVersion"] == "monitoring.coreos.com/v1")
    let names = rule[path: ["spec", "groups"]]?[0]?["rules"]?.arrayValue?.compactMap { $0["alert"]?.stringValue }
    #expect(
      names == [
        "ServestackConformanceFailed", "ServestackConformanceNoRecentSuccess", "ServestackConformanceLatencyHigh",
        "ServestackConformanceColdStartSlow",
      ])
    let dashboard = try #require(objects.first { $0["kind"] == "ConfigMap" })
    #expect(dashboard[path: ["metadata", "labels", "grafana_dashboard"]] == "1")
    let model = try JSONValue(
      parsing: try #require(dashboard[path: ["data", "servestack-conformance.json"]]?.stringValue))
    #expect(model["uid"] == "servestack-conformance")
    var off = Self.options
    off.alerts = nil
    off.dashboard = false
    #expect(try JobRenderer.objects(off).allSatisfy { $0["kind"] != "PrometheusRule" && $0["kind"] != "ConfigMap" })
  }

  /// Every metric name the job can push: the Prometheus text of a report holding every figure the phases
  /// measure and a GPU proof level.
  static func emittedMetricNames() -> Set<String> {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let figures = [
      "latencySeconds", "scaleUpSeconds", "scaleDownSeconds", "coldStartSeconds", "latencyP50Seconds",
      "latencyP95Seconds",
      "latencyP99Seconds", "latencyMaxSeconds", "requests", "errors", "requestsPerSecond", "maxReadyReplicas",
      "gpuUtilizationMaxPercent",
    ]
    let report = ConformanceReport(
      startedAt: start, finishedAt: start.addingTimeInterval(60), profile: "serverless", namespace: "n",
      phases: [
        PhaseReport(
          name: "autoscaling", outcome: .passed, durationSeconds: 1,
          checks: [
            CheckResult(
              name: "scale-up", action: "observe", outcome: .passed, durationSeconds: 1, reason: "",
              metrics: Dictionary(uniqueKeysWithValues: figures.map { ($0, 1.0) }))
          ], gpuProof: .gpuBusy)
      ])
    return Set(
      report.prometheusText.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
        String(line.prefix { $0 != "{" && $0 != " " })
      })
  }

  static func metricNames(in query: String) -> [String] {
    let regex = /servestack_[a-z0-9_]+/
    return query.matches(of: regex).map { String($0.output) }
  }

  @Test("the dashboard's and the rules' queries use only metric names the job pushes")
  func queriesUseEmittedNames() throws {
    let emitted = Self.emittedMetricNames()
    #expect(
      emitted.contains("servestack_test_cold_start_seconds") && emitted.contains("servestack_test_gpu_proof_level"))
    #expect(JobDashboard.queries.count >= 8)
    for query in JobDashboard.queries {
      let names = Self.metricNames(in: query)
      #expect(!names.isEmpty, "\(query)")
      #expect(Set(names).isSubset(of: emitted), "\(query) uses \(Set(names).subtracting(emitted))")
    }
    let groups = JobAlerts.ruleGroups(Self.options, thresholds: JobAlerts.Thresholds(), periodSeconds: 3600)
    for rule in groups["groups"]?[0]?["rules"]?.arrayValue ?? [] {
      let expr = rule["expr"]?.stringValue ?? ""
      #expect(Set(Self.metricNames(in: expr)).isSubset(of: emitted), "\(expr)")
    }
    // The check can fail: a made-up name is not emitted.
    #expect(!Set(Self.metricNames(in: "servestack_test_cold_start_total")).isSubset(of: emitted))
  }

  @Test("promtool check rules accepts the PrometheusRule's groups", .enabled(if: promtool != nil, "\(noPromtool)"))
  func promtoolCheck() throws {
    let directory = try TemporaryDirectory()
    let rules = try #require(try JobRenderer.objects(Self.options).first { $0["kind"] == "PrometheusRule" }?["spec"])
    let file = try directory.write("rules.yaml", rules.serialized(.pretty))
    let output = try Shell.run(try #require(Self.promtool), ["check", "rules", file.path])
    #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
    #expect(output.stdout.contains("SUCCESS: 4 rules found"), "\(output.stdout)")
    // And it can fail.
    let broken = try directory.write(
      "broken.yaml", rules.serialized(.pretty).replacingOccurrences(of: "== 0", with: "=== 0"))
    #expect(try Shell.run(try #require(Self.promtool), ["check", "rules", broken.path]).status != 0)
  }

  @Test(
    "promtool test rules: each alert fires on synthetic series that should fire it, and not otherwise",
    .enabled(if: promtool != nil, "\(noPromtool)"))
  func promtoolUnitTests() throws {
    let directory = try TemporaryDirectory()
    let rules = try #require(try JobRenderer.objects(Self.options).first { $0["kind"] == "PrometheusRule" }?["spec"])
    _ = try directory.write("rules.yaml", rules.serialized(.pretty))
    let annotations = Dictionary(
      uniqueKeysWithValues: (rules["groups"]?[0]?["rules"]?.arrayValue ?? []).map {
        ($0["alert"]?.stringValue ?? "", $0["annotations"] ?? [:])
      })
    /// The annotations as Prometheus expands them for one alert.
    func expected(_ alert: String, value: String, phase: String = "") -> JSONValue {
      var out: JSONObject = [:]
      for (key, text) in annotations[alert]?.objectValue ?? [:] {
        out[key] = .string(
          (text.stringValue ?? "").replacingOccurrences(of: "{{ $value }}", with: value)
            .replacingOccurrences(of: "{{ $labels.phase }}", with: phase))
      }
      return .object(out)
    }
    let ns = Self.options.namespace
    let job: JSONObject = ["job": "servestack-conformance", "instance": "pushgateway:9091"]
    func labels(_ severity: String, _ extra: JSONObject = [:]) -> JSONValue {
      var all = job
      all["severity"] = .string(severity)
      all["namespace"] = .string(ns)
      for (key, value) in extra { all[key] = value }
      return .object(all)
    }
    let series = #"{job="servestack-conformance",instance="pushgateway:9091"}"#
    // A run every 6 h: the finish time steps 0, 21600, 43200, 64800 (one sample a minute).
    let everySixHours = "0x359 21600x359 43200x359 64800x359"
    func test(_ inputs: [(String, String)], _ checks: [(String, String, [JSONValue])]) -> JSONValue {
      [
        "interval": "1m",
        "input_series": .array(inputs.map { ["series": .string($0.0), "values": .string($0.1)] }),
        "alert_rule_test": .array(
          checks.map { ["eval_time": .string($0.0), "alertname": .string($0.1), "exp_alerts": .array($0.2)] }),
      ]
    }
    let tests: [JSONValue] = [
      // Healthy: every run passes and they keep coming: nothing fires.
      test(
        [
          ("servestack_test_run_passed" + series, "1x1439"),
          ("servestack_test_run_timestamp_seconds" + series, everySixHours),
        ],
        [("23h", "ServestackConformanceFailed", []), ("23h", "ServestackConformanceNoRecentSuccess", [])]),
      // The runs fail from 1 h on: "failed" at once, "no recent success" only after two periods (12 h).
      test(
        [
          ("servestack_test_run_passed" + series, "1x60 0x1379"),
          ("servestack_test_run_timestamp_seconds" + series, everySixHours),
        ],
        [
          (
            "2h", "ServestackConformanceFailed",
            [["exp_labels": labels("warning"), "exp_annotations": expected("ServestackConformanceFailed", value: "0")]]
          ),
          ("12h", "ServestackConformanceNoRecentSuccess", []),
          (
            "13h30m", "ServestackConformanceNoRecentSuccess",
            [
              [
                "exp_labels": labels("critical"),
                "exp_annotations": expected("ServestackConformanceNoRecentSuccess", value: "0"),
              ]
            ]
          ),
        ]),
      // The last run passed but no run came for two periods: the job stopped.
      test(
        [
          ("servestack_test_run_passed" + series, "1x1439"),
          ("servestack_test_run_timestamp_seconds" + series, "0x1439"),
        ],
        [
          ("11h", "ServestackConformanceNoRecentSuccess", []),
          (
            "13h", "ServestackConformanceNoRecentSuccess",
            [
              [
                "exp_labels": labels("critical"),
                "exp_annotations": expected("ServestackConformanceNoRecentSuccess", value: "46800"),
              ]
            ]
          ),
        ]),
      // No metrics at all for two periods.
      test(
        [("servestack_test_run_passed" + series, "_x1439")],
        [
          (
            "13h", "ServestackConformanceNoRecentSuccess",
            [
              [
                "exp_labels": ["severity": "critical", "namespace": .string(ns)],
                "exp_annotations": expected("ServestackConformanceNoRecentSuccess", value: "1"),
              ]
            ]
          )
        ]),
      // p99 above 2 s fires for that phase only; p50 never does. Cold start above 60 s fires; 10 s does not.
      test(
        [
          (
            "servestack_test_request_latency_seconds{job=\"servestack-conformance\",instance=\"pushgateway:9091\",phase=\"autoscaling\",quantile=\"0.99\"}",
            "3.5x10"
          ),
          (
            "servestack_test_request_latency_seconds{job=\"servestack-conformance\",instance=\"pushgateway:9091\",phase=\"autoscaling\",quantile=\"0.5\"}",
            "2.5x10"
          ),
          (
            "servestack_test_request_latency_seconds{job=\"servestack-conformance\",instance=\"pushgateway:9091\",phase=\"canary\",quantile=\"0.99\"}",
            "0.4x10"
          ),
          (
            "servestack_test_cold_start_seconds{job=\"servestack-conformance\",instance=\"pushgateway:9091\",phase=\"autoscaling\"}",
            "75x10"
          ),
          (
            "servestack_test_cold_start_seconds{job=\"servestack-conformance\",instance=\"pushgateway:9091\",phase=\"other\"}",
            "10x10"
          ),
        ],
        [
          (
            "5m", "ServestackConformanceLatencyHigh",
            [
              [
                "exp_labels": labels("warning", ["phase": "autoscaling", "quantile": "0.99"]),
                "exp_annotations": expected("ServestackConformanceLatencyHigh", value: "3.5", phase: "autoscaling"),
              ]
            ]
          ),
          (
            "5m", "ServestackConformanceColdStartSlow",
            [
              [
                "exp_labels": labels("warning", ["phase": "autoscaling"]),
                "exp_annotations": expected("ServestackConformanceColdStartSlow", value: "75", phase: "autoscaling"),
              ]
            ]
          ),
        ]),
    ]
    let file = try directory.write(
      "tests.yaml",
      JSONValue.object(["rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": .array(tests)]).serialized(
        .pretty))
    let output = try Shell.run(
      try #require(Self.promtool), ["test", "rules", file.path], currentDirectory: directory.url)
    #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
    #expect(output.stdout.contains("SUCCESS"), "\(output.stdout)")
    // The same tests fail against rules with thresholds the synthetic series do not cross.
    let lenient = JobAlerts.ruleGroups(
      Self.options, thresholds: JobAlerts.Thresholds(p99Seconds: 100, coldStartSeconds: 100), periodSeconds: 21_600)
    _ = try directory.write("rules.yaml", lenient.serialized(.pretty))
    let failing = try Shell.run(
      try #require(Self.promtool), ["test", "rules", file.path], currentDirectory: directory.url)
    #expect(
      failing.status != 0 && (failing.stdout + failing.stderr).contains("ServestackConformanceLatencyHigh"),
      "\(failing.stdout)\(failing.stderr)")
  }
}
