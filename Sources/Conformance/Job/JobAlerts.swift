public import ServestackCore

/// The periodic job's alerts: a PrometheusRule (Prometheus Operator) over the metrics each run pushes
/// (``ConformanceReport/prometheusText``; docs/report-schema.md). The metric names carry no `job` selector,
/// so the rules work whether the Pushgateway is scraped with `honor_labels` or not.
public enum JobAlerts {
  /// Thresholds and the schedule's period, from ``JobOptions``.
  public struct Thresholds: Sendable, Hashable {
    /// p99 request latency under load above which `ServestackConformanceLatencyHigh` fires.
    public var p99Seconds: Double
    /// Cold start (first answer from zero replicas) above which `ServestackConformanceColdStartSlow` fires.
    public var coldStartSeconds: Double

    public init(p99Seconds: Double = 2, coldStartSeconds: Double = 60) {
      self.p99Seconds = p99Seconds
      self.coldStartSeconds = coldStartSeconds
    }
  }

  /// The rule group (what `promtool check rules` reads: `{groups: [...]}`).
  public static func ruleGroups(_ options: JobOptions, thresholds: Thresholds, periodSeconds: Int) -> JSONValue {
    let window = "\(2 * periodSeconds)s"
    func alert(_ name: String, _ expr: String, _ severity: String, _ summary: String, _ description: String)
      -> JSONValue
    {
      [
        "alert": .string(name), "expr": .string(expr),
        "labels": ["severity": .string(severity), "namespace": .string(options.namespace)],
        "annotations": ["summary": .string(summary), "description": .string(description)],
      ]
    }
    let results = "kubectl -n \(options.namespace) get configmaps -l servestack.io/conformance-result=true"
    let rules: [JSONValue] = [
      alert(
        "ServestackConformanceFailed", "servestack_test_run_passed == 0", "warning",
        "The last servestack conformance run failed",
        "The periodic conformance job's last run had a failed phase ({{ $value }}). `servestack status` or \(results) shows the failed checks and their diagnosis."
      ),
      alert(
        "ServestackConformanceNoRecentSuccess",
        "max_over_time(servestack_test_run_passed[\(window)]) < 1"
          + " or (time() - servestack_test_run_timestamp_seconds) > \(2 * periodSeconds)"
          + " or absent_over_time(servestack_test_run_timestamp_seconds[\(window)])",
        "critical", "No successful servestack conformance run within two schedule periods",
        "No run of the periodic conformance job (schedule \"\(options.schedule)\") passed within \(window), two schedule periods: it fails, does not run, or does not push metrics. Check the CronJob \(options.namespace)/\(options.serviceAccount) and \(results)."
      ),
      alert(
        "ServestackConformanceLatencyHigh",
        "servestack_test_request_latency_seconds{quantile=\"0.99\"} > \(number(thresholds.p99Seconds))", "warning",
        "Conformance p99 latency above \(number(thresholds.p99Seconds))s",
        "In the last conformance run, phase {{ $labels.phase }} measured a p99 request latency of {{ $value }}s under load (threshold \(number(thresholds.p99Seconds))s)."
      ),
      alert(
        "ServestackConformanceColdStartSlow",
        "servestack_test_cold_start_seconds > \(number(thresholds.coldStartSeconds))", "warning",
        "Conformance cold start above \(number(thresholds.coldStartSeconds))s",
        "In the last conformance run, phase {{ $labels.phase }} took {{ $value }}s to answer its first request from zero replicas (threshold \(number(thresholds.coldStartSeconds))s)."
      ),
    ]
    return ["groups": [["name": "servestack-conformance", "rules": .array(rules)]]]
  }

  /// The PrometheusRule object holding ``ruleGroups(_:thresholds:periodSeconds:)``.
  public static func prometheusRule(_ options: JobOptions, thresholds: Thresholds, periodSeconds: Int) -> JSONValue {
    [
      "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
      "metadata": [
        "name": .string(options.serviceAccount), "namespace": .string(options.namespace), "labels": JobRenderer.labels,
      ],
      "spec": ruleGroups(options, thresholds: thresholds, periodSeconds: periodSeconds),
    ]
  }

  /// `2`, `0.5`: no trailing `.0` in PromQL and messages.
  static func number(_ value: Double) -> String {
    value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }
}
