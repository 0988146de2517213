public import ServestackCore

/// What a response must look like: its status, and values at JSON paths of its body.
public struct ResponseExpectation: Sendable, Hashable {
  /// One `path: … equals: …` (or `oneOf: [a, b]`) of a step's `expect.json` list.
  public struct JSONAssertion: Sendable, Hashable {
    public var path: JSONPath
    public var equals: JSONValue
    /// Other values also accepted (`oneOf:`): where upstream documents one spelling and its tests another.
    public var alternatives: [JSONValue]
    public init(path: JSONPath, equals: JSONValue, alternatives: [JSONValue] = []) {
      self.path = path
      self.equals = equals
      self.alternatives = alternatives
    }
  }

  /// Expected HTTP status; nil accepts any 2xx.
  public var status: Int?
  public var json: [JSONAssertion]
  /// Text the body must contain.
  public var bodyContains: String?

  public init(status: Int? = 200, json: [JSONAssertion] = [], bodyContains: String? = nil) {
    self.status = status
    self.json = json
    self.bodyContains = bodyContains
  }

  /// Why `response` does not meet the expectation, one entry per problem; empty when it does.
  public func problems(with response: InferenceResponse) -> [String] {
    guard let status = response.status else { return [response.failureSummary] }
    var problems: [String] = []
    if let expected = self.status {
      if status != expected { problems.append("status \(status), expected \(expected)") }
    } else if !(200..<300).contains(status) {
      problems.append("status \(status), expected 2xx")
    }
    if !problems.isEmpty {
      // A wrong status explains itself with its body; the JSON checks would only repeat it.
      if status == 404 && response.body.isEmpty {
        return problems.map { "\($0): \(InferenceResponse.noRouteHint(response.endpoint.host))" }
      }
      return problems.map { "\($0): \(response.bodyExcerpt)" }
    }
    if let text = bodyContains, !response.text.contains(text) {
      problems.append("body does not contain \(JSONDiff.brief(.string(text))): \(response.bodyExcerpt)")
    }
    if json.isEmpty { return problems }
    guard let document = response.json else {
      problems.append("body is not JSON: \(response.bodyExcerpt)")
      return problems
    }
    for assertion in json {
      guard let actual = assertion.path.value(in: document) else {
        problems.append(
          "\(assertion.path): missing (found only \(assertion.path.deepestExisting(in: document))) in \(JSONDiff.brief(document))"
        )
        continue
      }
      if actual.semanticallyEquals(assertion.equals) { continue }
      if assertion.alternatives.contains(where: { actual.semanticallyEquals($0) }) { continue }
      if !assertion.alternatives.isEmpty {
        let accepted = ([assertion.equals] + assertion.alternatives).map { JSONDiff.brief($0) }
        problems.append(
          "\(assertion.path): expected one of \(accepted.joined(separator: ", ")), got \(JSONDiff.brief(actual))")
        continue
      }
      let differences = JSONDiff.differences(expected: assertion.equals, actual: actual, path: assertion.path.text)
      problems.append(
        "\(assertion.path): expected \(JSONDiff.brief(assertion.equals)), got \(JSONDiff.brief(actual))"
          + (differences.count > 1 || differences.first?.hasPrefix(assertion.path.text + ":") == false
            ? " (" + differences.joined(separator: "; ") + ")" : ""))
    }
    return problems
  }

  /// What a response that met the expectation showed, for the report's reason column.
  public func summary(of response: InferenceResponse) -> String {
    let values = json.compactMap { assertion in
      response.json.flatMap { assertion.path.value(in: $0) }.map { "\(assertion.path) = \(JSONDiff.brief($0))" }
    }
    let status = response.status.map { "\($0)" } ?? "-"
    return values.isEmpty ? "status \(status)" : "status \(status), " + values.joined(separator: ", ")
  }
}
