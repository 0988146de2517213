public import ServestackCore

/// The periodic job's Grafana dashboard, as a ConfigMap labelled `grafana_dashboard: "1"` (what Grafana's
/// dashboard sidecar loads), over the metrics each run pushes (docs/report-schema.md).
public enum JobDashboard {
  /// The dashboard's uid, stable so that a re-apply replaces it.
  public static let uid = "servestack-conformance"

  /// Every PromQL query of the dashboard, in panel order (the tests check the metric names they use).
  public static var queries: [String] { panels.flatMap { $0.targets.map(\.expr) } }

  struct Target {
    var expr: String
    var legend: String
  }

  struct Panel {
    var title: String
    var type: String
    var unit: String
    var targets: [Target]
    var width = 12
    var height = 8
  }

  static let panels: [Panel] = [
    Panel(
      title: "Last run", type: "stat", unit: "none",
      targets: [Target(expr: "servestack_test_run_passed", legend: "passed")], width: 6, height: 5),
    Panel(
      title: "Time since last run", type: "stat", unit: "s",
      targets: [Target(expr: "time() - servestack_test_run_timestamp_seconds", legend: "age")], width: 6, height: 5),
    Panel(
      title: "Run duration", type: "stat", unit: "s",
      targets: [Target(expr: "servestack_test_run_duration_seconds", legend: "duration")], width: 6, height: 5),
    Panel(
      title: "GPU proof level (0 none, 1 placed, 2 allocated, 3 busy)", type: "stat", unit: "none",
      targets: [Target(expr: "servestack_test_gpu_proof_level", legend: "{{phase}}")], width: 6, height: 5),
    Panel(
      title: "Phases passed (0 failed or skipped)", type: "timeseries", unit: "none",
      targets: [
        Target(expr: "servestack_test_phase_passed", legend: "{{phase}} passed"),
        Target(expr: "servestack_test_phase_skipped", legend: "{{phase}} skipped"),
      ]),
    Panel(
      title: "Phase duration", type: "timeseries", unit: "s",
      targets: [Target(expr: "servestack_test_phase_duration_seconds", legend: "{{phase}}")]),
    Panel(
      title: "Request latency under load", type: "timeseries", unit: "s",
      targets: [
        Target(
          expr: "servestack_test_request_latency_seconds{quantile=~\"0.5|0.95|0.99\"}",
          legend: "{{phase}} p{{quantile}}")
      ]),
    Panel(
      title: "Scale up, scale down, cold start", type: "timeseries", unit: "s",
      targets: [
        Target(expr: "servestack_test_scale_up_seconds", legend: "{{phase}} scale up"),
        Target(expr: "servestack_test_scale_down_seconds", legend: "{{phase}} scale down"),
        Target(expr: "servestack_test_cold_start_seconds", legend: "{{phase}} cold start"),
      ]),
    Panel(
      title: "Failing checks", type: "table", unit: "none",
      targets: [Target(expr: "servestack_test_check_passed == 0", legend: "{{phase}} / {{check}}")], width: 24),
  ]

  /// The dashboard JSON model.
  public static var dashboard: JSONValue {
    var x = 0
    var y = 0
    var rowHeight = 0
    var items: [JSONValue] = []
    for (index, panel) in panels.enumerated() {
      if x + panel.width > 24 {
        x = 0
        y += rowHeight
        rowHeight = 0
      }
      items.append([
        "id": .int(index + 1), "title": .string(panel.title), "type": .string(panel.type),
        "datasource": ["type": "prometheus", "uid": "${datasource}"],
        "gridPos": ["x": .int(x), "y": .int(y), "w": .int(panel.width), "h": .int(panel.height)],
        "fieldConfig": ["defaults": ["unit": .string(panel.unit)], "overrides": []],
        "targets": .array(
          panel.targets.enumerated().map { offset, target in
            [
              "refId": .string(String(UnicodeScalar(UInt8(65 + offset)))), "expr": .string(target.expr),
              "legendFormat": .string(target.legend), "datasource": ["type": "prometheus", "uid": "${datasource}"],
            ]
          }),
      ])
      x += panel.width
      rowHeight = max(rowHeight, panel.height)
    }
    return [
      "uid": .string(uid), "title": "servestack conformance", "tags": ["servestack", "kserve", "conformance"],
      "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": true, "refresh": "5m",
      "time": ["from": "now-7d", "to": "now"],
      "templating": [
        "list": [["name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"]]
      ],
      "panels": .array(items),
    ]
  }

  /// The ConfigMap Grafana's sidecar picks up (`grafana_dashboard: "1"`).
  public static func configMap(_ options: JobOptions) -> JSONValue {
    var labels = JobRenderer.labels
    labels["grafana_dashboard"] = "1"
    return [
      "apiVersion": "v1", "kind": "ConfigMap",
      "metadata": [
        "name": .string("\(options.serviceAccount)-dashboard"), "namespace": .string(options.namespace),
        "labels": labels,
      ],
      "data": ["servestack-conformance.json": .string(dashboard.serialized(.pretty) + "\n")],
    ]
  }
}
