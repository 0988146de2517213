import Foundation
public import Kubernetes
import ServestackCore

/// The last results of the conformance job, kept in the cluster: one ConfigMap per run in the job's namespace
/// (`servestack-test-result-<time>`, labelled `servestack.io/conformance-result=true` and
/// `servestack.io/result=passed|failed`) holding `report.json`, `metrics.prom` and `summary.txt`; only the
/// newest `keep` are kept. `servestack status` lists them with ``list(limit:)``.
public struct ResultStore: Sendable {
  public let client: KubeClient
  public let namespace: String

  public static let label = "servestack.io/conformance-result"

  public init(client: KubeClient, namespace: String = "servestack-system") {
    self.client = client
    self.namespace = namespace
  }

  /// One stored result, newest first in ``list(limit:)``.
  public struct StoredResult: Sendable {
    public var name: String
    public var finishedAt: String
    public var outcome: TestOutcome?
    /// nil when the ConfigMap does not hold a readable report (see ``problem``).
    public var report: ConformanceReport?
    public var problem: String?
  }

  /// Stores `report` and deletes the oldest results beyond `keep`. Returns the ConfigMap's name.
  ///
  /// #### Errors
  /// ``KubeError`` when the ConfigMap cannot be created; failures to prune are ignored (the next run retries).
  @discardableResult
  public func save(_ report: ConformanceReport, keep: Int) async throws(KubeError) -> String {
    let stamp = report.finishedAt.formatted(
      Date.VerbatimFormatStyle(
        format:
          "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)-\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)",
        timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
    let suffix = String((0..<4).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement() ?? "x" })
    let name = "servestack-test-result-\(stamp)-\(suffix)"
    let object: JSONValue = [
      "apiVersion": "v1", "kind": "ConfigMap",
      "metadata": [
        "name": .string(name), "namespace": .string(namespace),
        "labels": [
          .init(stringLiteral: Self.label): "true", "servestack.io/result": .string(report.outcome.rawValue),
          "app.kubernetes.io/managed-by": "servestack",
        ],
        "annotations": ["servestack.io/finished-at": .string(ConformanceReport.timestamp(report.finishedAt))],
      ],
      "data": [
        "report.json": .string(report.jsonText), "metrics.prom": .string(report.prometheusText),
        "report.html": .string(report.html),
        "summary.txt": .string(report.consoleTable()),
      ],
    ]
    _ = try await client.create(KubeObject(object))
    try? await prune(keep: keep)
    return name
  }

  /// The stored results, newest first.
  public func list(limit: Int? = nil) async throws(KubeError) -> [StoredResult] {
    let items = try await client.list(
      GroupVersionKind.configMap, namespace: namespace, options: ListOptions(labelSelector: "\(Self.label)=true")
    ).items
    let sorted = items.sorted { Self.finished($0) > Self.finished($1) }
    return sorted.prefix(limit ?? sorted.count).map { item in
      var result = StoredResult(
        name: item.name ?? "?", finishedAt: Self.finished(item),
        outcome: item.labels["servestack.io/result"].flatMap(TestOutcome.init(rawValue:)))
      do throws(ConformanceError) {
        guard let text = item[path: "data", "report.json"]?.stringValue else {
          throw ConformanceError(.invalidReport, "no report.json")
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch {
          throw ConformanceError(.invalidReport, "report.json: \(error)")
        }
        result.report = try ConformanceReport(json: json)
      } catch {
        result.problem = error.message
      }
      return result
    }
  }

  /// Deletes the oldest results beyond `keep`.
  public func prune(keep: Int) async throws(KubeError) {
    let items = try await client.list(
      GroupVersionKind.configMap, namespace: namespace, options: ListOptions(labelSelector: "\(Self.label)=true")
    ).items
    let sorted = items.sorted { Self.finished($0) > Self.finished($1) }
    for item in sorted.dropFirst(max(0, keep)) {
      guard let reference = item.reference else { continue }
      _ = try? await client.delete(reference)
    }
  }

  /// The Prometheus text of the newest stored result; nil when there is none.
  public func latestMetrics() async throws(KubeError) -> String? {
    try await list(limit: 1).first?.report?.prometheusText
  }

  static func finished(_ item: KubeObject) -> String {
    item.annotations["servestack.io/finished-at"] ?? item.creationTimestamp ?? ""
  }
}
