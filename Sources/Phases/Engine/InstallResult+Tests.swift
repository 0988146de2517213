public import ServestackCore

extension InstallResult.Tests {
  /// `{status, reason}` or `{status, summary, report}`: the same for install and upgrade summaries.
  public var json: JSONValue {
    switch self {
    case .skipped(let why): ["status": "skipped", "reason": .string(why)]
    case .notRun(let why): ["status": "not run", "reason": .string(why)]
    case .ran(let outcome):
      [
        "status": .string(outcome.passed ? "passed" : "failed"), "summary": .string(outcome.summary),
        "report": outcome.json,
      ]
    }
  }
}
