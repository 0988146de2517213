public import Kubernetes
public import ServestackCore

/// The periodic job's newest results, as `servestack status` shows them; a cluster that refuses the read
/// gives a ``problem``, not a failure of status.
public struct StoredResults: Sendable {
  public var items: [ResultStore.StoredResult]
  public var problem: String?

  public init(items: [ResultStore.StoredResult], problem: String? = nil) {
    self.items = items
    self.problem = problem
  }

  /// The newest `limit` results in `namespace` (none when `limit` is 0).
  public static func newest(_ limit: Int, client: KubeClient, namespace: String) async -> StoredResults {
    guard limit > 0 else { return StoredResults(items: []) }
    do {
      return StoredResults(items: try await ResultStore(client: client, namespace: namespace).list(limit: limit))
    } catch {
      return StoredResults(items: [], problem: error.userMessage)
    }
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "results": .array(
        items.map { item in
          [
            "name": .string(item.name), "finishedAt": .string(item.finishedAt),
            "outcome": item.outcome.map { .string($0.rawValue) } ?? .null,
            "summary": item.report.map { .string(Self.summary($0)) } ?? .null,
            "problem": item.problem.map(JSONValue.string) ?? .null,
          ]
        })
    ]
    if let problem { object["problem"] = .string(problem) }
    return .object(object)
  }

  /// One line per phase: `smoke passed, gpu-inference skipped`.
  public static func summary(_ report: ConformanceReport) -> String {
    report.phases.map { "\($0.name) \($0.outcome)" }.joined(separator: ", ")
  }
}
