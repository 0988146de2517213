import Foundation
public import ServestackCore

extension ConformanceReport {
  /// The report as the JSON document described by docs/report-schema.json.
  public var json: JSONValue {
    let summary = self.summary
    var document: JSONObject = [
      "schemaVersion": .string(Self.schemaVersion),
      "tool": ["name": "servestack", "version": .string(toolVersion)],
      "startedAt": .string(Self.timestamp(startedAt)),
      "finishedAt": .string(Self.timestamp(finishedAt)),
      "durationSeconds": .double(Self.round(durationSeconds)),
      "result": .string(outcome.rawValue),
      "profile": .string(profile),
    ]
    var cluster: JSONObject = ["namespace": .string(namespace)]
    if let clusterServer { cluster["server"] = .string(clusterServer) }
    if let clusterContext { cluster["context"] = .string(clusterContext) }
    document["cluster"] = .object(cluster)
    if let ingressURL {
      document["ingress"] = ["url": .string(ingressURL), "source": .string(ingressSource ?? "")]
    }
    document["summary"] = [
      "phases": .int(summary.phases), "checks": .int(summary.checks), "passed": .int(summary.passed),
      "failed": .int(summary.failed), "skipped": .int(summary.skipped),
    ]
    document["phases"] = .array(phases.map(Self.json(phase:)))
    return .object(document)
  }

  /// The report as pretty-printed JSON text with a final newline.
  public var jsonText: String { json.serialized(.pretty) + "\n" }

  /// Reads a report written by ``json``.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidReport`) naming the first field that is missing or of the wrong type.
  public init(json: JSONValue) throws(ConformanceError) {
    let reader = Reader(json)
    let version = try reader.string("schemaVersion")
    guard version == Self.schemaVersion else {
      throw ConformanceError(
        .invalidReport, "unsupported report schemaVersion '\(version)'; this servestack reads \(Self.schemaVersion)")
    }
    self.init(
      toolVersion: try reader.object("tool").string("version"),
      startedAt: try reader.date("startedAt"), finishedAt: try reader.date("finishedAt"),
      profile: try reader.string("profile"),
      clusterServer: reader.optional("cluster")?.optionalString("server"),
      clusterContext: reader.optional("cluster")?.optionalString("context"),
      namespace: try reader.object("cluster").string("namespace"),
      ingressURL: reader.optional("ingress")?.optionalString("url"),
      ingressSource: reader.optional("ingress")?.optionalString("source"),
      phases: try reader.array("phases").map { reader throws(ConformanceError) in try Self.phase(reader) })
  }

  static func json(phase: PhaseReport) -> JSONValue {
    var object: JSONObject = [
      "name": .string(phase.name), "result": .string(phase.outcome.rawValue),
      "durationSeconds": .double(round(phase.durationSeconds)), "reason": .string(phase.reason),
    ]
    if let file = phase.file { object["file"] = .string(file) }
    if let proof = phase.gpuProof { object["gpuProof"] = .string(proof.rawValue) }
    object["metrics"] = metricsJSON(phase.metrics)
    object["checks"] = .array(phase.checks.map(json(check:)))
    return .object(object)
  }

  static func json(check: CheckResult) -> JSONValue {
    var object: JSONObject = [
      "name": .string(check.name), "action": .string(check.action), "result": .string(check.outcome.rawValue),
      "durationSeconds": .double(round(check.durationSeconds)), "reason": .string(check.reason),
      "diagnosis": .array(check.diagnosis.map { .string($0) }), "metrics": metricsJSON(check.metrics),
    ]
    if !check.timeline.isEmpty { object["timeline"] = .array(check.timeline.map(json(point:))) }
    return .object(object)
  }

  static func json(point: TimelinePoint) -> JSONValue {
    var object: JSONObject = ["seconds": .double(round(point.seconds)), "answered": .int(point.answered)]
    if let ready = point.readyReplicas { object["readyReplicas"] = .int(ready) }
    for (key, value) in [
      ("latencyP50Seconds", point.latencyP50Seconds), ("latencyP95Seconds", point.latencyP95Seconds),
      ("latencyP99Seconds", point.latencyP99Seconds),
    ] {
      if let value { object[key] = .double(round(value)) }
    }
    return .object(object)
  }

  static func point(_ reader: Reader) throws(ConformanceError) -> TimelinePoint {
    TimelinePoint(
      seconds: try reader.number("seconds"), readyReplicas: reader.value["readyReplicas"]?.intValue,
      answered: reader.value["answered"]?.intValue ?? 0,
      latencyP50Seconds: reader.value["latencyP50Seconds"]?.doubleValue,
      latencyP95Seconds: reader.value["latencyP95Seconds"]?.doubleValue,
      latencyP99Seconds: reader.value["latencyP99Seconds"]?.doubleValue)
  }

  static func metricsJSON(_ metrics: [String: Double]) -> JSONValue {
    .object(
      JSONObject(uniqueKeysWithValues: metrics.sorted { $0.key < $1.key }.map { ($0.key, .double(round($0.value))) }))
  }

  static func phase(_ reader: Reader) throws(ConformanceError) -> PhaseReport {
    PhaseReport(
      name: try reader.string("name"), file: reader.optionalString("file"),
      outcome: try reader.outcome("result"), durationSeconds: try reader.number("durationSeconds"),
      reason: reader.optionalString("reason") ?? "",
      checks: try reader.array("checks").map { check throws(ConformanceError) in
        CheckResult(
          name: try check.string("name"), action: try check.string("action"), outcome: try check.outcome("result"),
          durationSeconds: try check.number("durationSeconds"), reason: check.optionalString("reason") ?? "",
          diagnosis: (check.value["diagnosis"]?.arrayValue ?? []).compactMap(\.stringValue),
          metrics: (check.value["metrics"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.doubleValue },
          timeline: check.value["timeline"] == nil
            ? [] : try check.array("timeline").map { p throws(ConformanceError) in try Self.point(p) })
      },
      gpuProof: try reader.gpuProof("gpuProof"))
  }

  /// Durations to the millisecond: enough for people, stable in diffs.
  static func round(_ value: Double) -> Double { value.isFinite ? (value * 1000).rounded() / 1000 : 0 }

  /// RFC 3339 UTC with milliseconds: `2026-11-21T21:12:04.250Z`.
  static func timestamp(_ date: Date) -> String { date.formatted(timestampStyle) }

  static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// Typed access to a JSON report, with errors that name the field.
struct Reader {
  let value: JSONValue
  let path: String

  init(_ value: JSONValue, path: String = "") {
    self.value = value
    self.path = path
  }

  func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  func missing(_ key: String, _ type: String) -> ConformanceError {
    ConformanceError(.invalidReport, "report field '\(field(key))' is missing or not \(type)")
  }

  func string(_ key: String) throws(ConformanceError) -> String {
    guard let text = value[key]?.stringValue else { throw missing(key, "a string") }
    return text
  }

  func optionalString(_ key: String) -> String? { value[key]?.stringValue }

  func number(_ key: String) throws(ConformanceError) -> Double {
    guard let number = value[key]?.doubleValue else { throw missing(key, "a number") }
    return number
  }

  func outcome(_ key: String) throws(ConformanceError) -> TestOutcome {
    guard let outcome = TestOutcome(rawValue: try string(key)) else { throw missing(key, "passed, failed or skipped") }
    return outcome
  }

  func gpuProof(_ key: String) throws(ConformanceError) -> GPUProofLevel? {
    guard let text = optionalString(key) else { return nil }
    guard let level = GPUProofLevel(rawValue: text) else {
      throw missing(key, GPUProofLevel.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return level
  }

  func date(_ key: String) throws(ConformanceError) -> Date {
    let text = try string(key)
    guard
      let date = (try? Date(text, strategy: ConformanceReport.timestampStyle)) ?? (try? Date(text, strategy: .iso8601))
    else {
      throw missing(key, "an ISO 8601 time")
    }
    return date
  }

  func object(_ key: String) throws(ConformanceError) -> Reader {
    guard let object = value[key], object.objectValue != nil else { throw missing(key, "an object") }
    return Reader(object, path: field(key))
  }

  func optional(_ key: String) -> Reader? {
    guard let object = value[key], object.objectValue != nil else { return nil }
    return Reader(object, path: field(key))
  }

  func array(_ key: String) throws(ConformanceError) -> [Reader] {
    guard let items = value[key]?.arrayValue else { throw missing(key, "an array") }
    return items.enumerated().map { Reader($0.element, path: "\(field(key))[\($0.offset)]") }
  }
}
