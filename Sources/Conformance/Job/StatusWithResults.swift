public import Phases
public import ServestackCore

/// `servestack status -o json`: the install's status with the periodic job's stored results under
/// `testResults`, so the command only prints.
public struct StatusWithResults: Sendable {
  public var report: StatusReport
  public var results: StoredResults

  public init(report: StatusReport, results: StoredResults) {
    self.report = report
    self.results = results
  }

  public var json: JSONValue {
    guard case .object(var object) = report.json else { return report.json }
    object["testResults"] = results.json
    return .object(object)
  }
}
