import ServestackCore

extension ConformanceStep {
  /// Parses one step body (already substituted) of action `action`.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidPhase`) naming `source` and the field.
  static func parse(action: String, body: JSONValue, source: String, defaultTimeout: Duration) throws(ConformanceError)
    -> ConformanceStep
  {
    let fields = StepFields(body: body, source: source, action: action)
    try fields.requireObject()
    let name = try fields.optionalString("name")
    let timeout = try fields.optionalDuration("timeout") ?? defaultTimeout
    let profiles = try fields.optionalStrings("profiles").map(Set.init)
    let kind: Kind
    var defaultName = action
    switch action {
    case "apply":
      try fields.allow(["objects"])
      let objects = try fields.array("objects")
      guard !objects.isEmpty else { throw fields.error("objects", "needs at least one object") }
      for (index, object) in objects.enumerated() {
        guard object["apiVersion"]?.stringValue != nil, object["kind"]?.stringValue != nil,
          object[path: ["metadata", "name"]]?.stringValue != nil
        else { throw fields.error("objects[\(index)]", "needs apiVersion, kind and metadata.name") }
      }
      kind = .apply(objects)
    case "wait":
      try fields.allow(["inferenceService", "object", "condition", "status", "placement"])
      if let placement = body["placement"] {
        let resource = placement["resource"]?.stringValue ?? "nvidia.com/gpu"
        kind = .waitPlacement(inferenceService: try fields.string("inferenceService"), resource: resource)
        defaultName = "placement"
      } else {
        let target: ObjectTarget
        if let isvc = try fields.optionalString("inferenceService") {
          target = .inferenceService(isvc)
        } else if let object = body["object"], let apiVersion = object["apiVersion"]?.stringValue,
          let objectKind = object["kind"]?.stringValue, let objectName = object["name"]?.stringValue
        {
          target = ObjectTarget(apiVersion: apiVersion, kind: objectKind, name: objectName)
        } else {
          throw fields.error(
            "inferenceService", "a wait step names inferenceService: NAME or object: {apiVersion, kind, name}")
        }
        let condition = try fields.optionalString("condition") ?? "Ready"
        kind = .waitCondition(
          target: target, condition: condition, status: try fields.optionalString("status") ?? "True")
        defaultName = condition.lowercased()
      }
    case "request":
      try fields.allow(["inferenceService", "method", "path", "body", "headers", "attempts", "retryInterval", "expect"])
      let request = try fields.request(timeout: timeout)
      let expectation = try body["expect"].map { value throws(ConformanceError) in
        try StepFields(body: value, source: source, action: "request.expect").expectation()
      }
      kind = .request(
        inferenceService: try fields.string("inferenceService"), request: request, expectation: expectation)
    case "expect":
      try fields.allow(["response", "status", "json", "bodyContains"])
      kind = .expect(response: try fields.string("response"), expectation: try fields.expectation())
    case "observe":
      try fields.allow(["replicas", "gpuNodes", "gpuUtilization", "traffic", "scaleToZero"])
      (kind, defaultName) = try parseObserve(fields, body: body, source: source, timeout: timeout)
    case "require":
      try fields.allow(["profile", "value", "reason"])
      let wanted = try fields.optionalStrings("profile")
      let value = try fields.optionalString("value")
      guard wanted?.isEmpty == false || value != nil else {
        throw fields.error(
          "profile",
          "give the profiles the rest of the phase runs in (profile: [serverless]) or a value: that must not be empty")
      }
      kind = .require(profiles: wanted.map(Set.init), value: value, reason: try fields.string("reason"))
      defaultName = wanted == nil ? "requirement" : "profile"
    case "cleanup":
      try fields.allow([])
      kind = .cleanup
    default:
      throw ConformanceError(
        .invalidPhase,
        "\(source): unknown step '\(action)'; use apply, wait, request, expect, observe, require or cleanup")
    }
    return ConformanceStep(
      name: name ?? defaultName, action: action, kind: kind, timeout: timeout, profiles: profiles, source: source)
  }

  private static func parseObserve(
    _ fields: StepFields, body: JSONValue, source: String, timeout: Duration
  ) throws(ConformanceError) -> (Kind, String) {
    let present = ["replicas", "gpuNodes", "gpuUtilization", "traffic", "scaleToZero"].filter { body[$0] != nil }
    guard present.count == 1 else {
      throw ConformanceError(
        .invalidPhase,
        "\(source): an observe step has exactly one of replicas, gpuNodes, gpuUtilization, traffic, scaleToZero")
    }
    let inner = StepFields(body: body[present[0]] ?? .null, source: source, action: "observe.\(present[0])")
    try inner.requireObject()
    switch present[0] {
    case "replicas":
      try inner.allow(["inferenceService", "above", "atMost", "load"])
      let bound: ReplicaBound
      if let above = try inner.optionalInt("above") {
        bound = .above(above)
      } else if let atMost = try inner.optionalInt("atMost") {
        bound = .atMost(atMost)
      } else {
        throw inner.error("above", "give above: N (scale up) or atMost: N (scale down)")
      }
      var load: LoadSpec?
      if let loadBody = body["replicas"]?["load"] {
        let loadFields = StepFields(body: loadBody, source: source, action: "observe.replicas.load")
        try loadFields.requireObject()
        try loadFields.allow([
          "method", "path", "body", "headers", "concurrency", "duration", "maxErrorRate", "expect", "timeout",
        ])
        let requestTimeout = try loadFields.optionalDuration("timeout") ?? .seconds(30)
        load = LoadSpec(
          request: try loadFields.request(timeout: requestTimeout),
          expectation: try loadBody["expect"].map { value throws(ConformanceError) in
            try StepFields(body: value, source: source, action: "load.expect").expectation()
          },
          concurrency: try loadFields.optionalInt("concurrency") ?? 8,
          duration: try loadFields.optionalDuration("duration") ?? .seconds(30),
          maxErrorRate: try loadFields.optionalDouble("maxErrorRate") ?? 0.01)
      }
      return (
        .observeReplicas(inferenceService: try inner.string("inferenceService"), bound: bound, load: load),
        load == nil ? "replicas" : "scale-up"
      )
    case "traffic":
      return (.observeTraffic(try parseTraffic(inner, timeout: timeout)), "traffic")
    case "scaleToZero":
      try inner.allow(["inferenceService", "method", "path", "body", "headers", "expect", "autoscalerConfig"])
      let expectation = try inner.body["expect"].map { value throws(ConformanceError) in
        try StepFields(body: value, source: source, action: "scaleToZero.expect").expectation()
      }
      let config = try inner.optionalString("autoscalerConfig") ?? "knative-serving/config-autoscaler"
      guard config.split(separator: "/").count == 2 else {
        throw inner.error("autoscalerConfig", "expected namespace/name of a ConfigMap, found '\(config)'")
      }
      return (
        .observeScaleToZero(
          ScaleToZeroSpec(
            inferenceService: try inner.string("inferenceService"), request: try inner.request(timeout: timeout),
            expectation: expectation, autoscalerConfig: config)), "scale-to-zero"
      )
    case "gpuNodes":
      try inner.allow(["resource", "atLeast", "required"])
      return (
        .observeGPUNodes(
          resource: try inner.optionalString("resource") ?? "nvidia.com/gpu",
          atLeast: try inner.optionalInt("atLeast") ?? 1,
          required: try inner.optionalBool("required") ?? false), "gpu-nodes"
      )
    default:
      try inner.allow(["inferenceService", "method", "path", "body", "headers", "atLeast", "metricsURL"])
      return (
        .observeGPUUtilization(
          inferenceService: try inner.string("inferenceService"), request: try inner.request(timeout: timeout),
          atLeast: try inner.optionalDouble("atLeast") ?? 1, metricsURL: try inner.optionalString("metricsURL") ?? ""),
        "gpu-busy"
      )
    }
  }
}

extension ConformanceStep {
  static func parseTraffic(_ inner: StepFields, timeout: Duration) throws(ConformanceError) -> TrafficSpec {
    try inner.allow([
      "inferenceService", "method", "path", "body", "headers", "requests", "concurrency", "canaryPercent", "stable",
      "canary", "confidence",
    ])
    let percent = try inner.optionalInt("canaryPercent") ?? 0
    guard (0...100).contains(percent) else { throw inner.error("canaryPercent", "must be 0…100, found \(percent)") }
    let requests = try inner.optionalInt("requests") ?? 200
    guard (1...100_000).contains(requests) else {
      throw inner.error("requests", "must be 1…100000, found \(requests)")
    }
    let concurrency = try inner.optionalInt("concurrency") ?? 4
    guard (1...LoadOptions.maximumConcurrency).contains(concurrency) else {
      throw inner.error("concurrency", "must be 1…\(LoadOptions.maximumConcurrency), found \(concurrency)")
    }
    let confidence = try inner.optionalDouble("confidence") ?? 0.99
    guard confidence > 0.5 && confidence < 1 else {
      throw inner.error("confidence", "must be between 0.5 and 1 (0.99 for a 99 % interval), found \(confidence)")
    }
    func answer(_ key: String, required: Bool) throws(ConformanceError) -> (JSONPath, JSONValue?) {
      guard let value = inner.body[key], value.objectValue != nil,
        let pathText = value["path"]?.stringValue
      else { throw inner.error(key, "expected {path: …, equals: …}") }
      let equals: JSONValue? = value["equals"].flatMap { $0.isNull ? JSONValue?.none : $0 }
      if required && equals == nil { throw inner.error("\(key).equals", "required") }
      do { return (try JSONPath(pathText), equals) } catch { throw inner.error("\(key).path", error.description) }
    }
    let stable = try answer("stable", required: true)
    let canary = try answer("canary", required: false)
    if let equals = canary.1, let stableEquals = stable.1, equals.semanticallyEquals(stableEquals),
      canary.0 == stable.0
    {
      throw inner.error(
        "canary.equals",
        "is the stable answer too, so the revisions cannot be told apart; use models that answer differently")
    }
    return TrafficSpec(
      inferenceService: try inner.string("inferenceService"), request: try inner.request(timeout: timeout),
      requests: requests, concurrency: concurrency, canaryPercent: percent,
      stable: .init(path: stable.0, equals: stable.1 ?? .null), canaryPath: canary.0, canaryEquals: canary.1,
      confidence: confidence)
  }
}

/// Typed reads of a step body with errors that name the file, the step and the field.
struct StepFields {
  let body: JSONValue
  let source: String
  let action: String

  func error(_ field: String, _ problem: String) -> ConformanceError {
    ConformanceError(.invalidPhase, "\(source): \(action).\(field): \(problem)")
  }

  func requireObject() throws(ConformanceError) {
    guard body.objectValue != nil else {
      throw ConformanceError(.invalidPhase, "\(source): \(action) expects a mapping, found \(JSONDiff.brief(body))")
    }
  }

  /// Rejects unknown fields (`name`, `profiles` and `timeout` are allowed everywhere), suggesting none:
  /// the list of known ones is short enough to print.
  func allow(_ known: [String]) throws(ConformanceError) {
    let all = known + ["name", "profiles", "timeout"]
    for key in body.objectValue?.keys ?? [] where !all.contains(key) {
      throw error(key, "unknown field; known: \(all.joined(separator: ", "))")
    }
  }

  func string(_ key: String) throws(ConformanceError) -> String {
    guard let value = try optionalString(key) else { throw error(key, "required") }
    return value
  }

  func optionalString(_ key: String) throws(ConformanceError) -> String? {
    guard let value = body[key], !value.isNull else { return nil }
    switch value {
    case .string(let text): return text
    case .int(let number): return String(number)
    default: throw error(key, "expected a string, found \(JSONDiff.brief(value))")
    }
  }

  func optionalStrings(_ key: String) throws(ConformanceError) -> [String]? {
    guard let value = body[key], !value.isNull else { return nil }
    guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
      throw error(key, "expected a list of strings")
    }
    return items.compactMap(\.stringValue)
  }

  func optionalInt(_ key: String) throws(ConformanceError) -> Int? {
    guard let value = body[key], !value.isNull else { return nil }
    if let number = value.intValue ?? value.stringValue.flatMap({ Int($0) }) { return number }
    throw error(key, "expected an integer, found \(JSONDiff.brief(value))")
  }

  func optionalDouble(_ key: String) throws(ConformanceError) -> Double? {
    guard let value = body[key], !value.isNull else { return nil }
    if let number = value.doubleValue ?? value.stringValue.flatMap({ Double($0) }) { return number }
    throw error(key, "expected a number, found \(JSONDiff.brief(value))")
  }

  func optionalBool(_ key: String) throws(ConformanceError) -> Bool? {
    guard let value = body[key], !value.isNull else { return nil }
    if let flag = value.boolValue ?? (value.stringValue == "true" ? true : value.stringValue == "false" ? false : nil) {
      return flag
    }
    throw error(key, "expected true or false, found \(JSONDiff.brief(value))")
  }

  func optionalDuration(_ key: String) throws(ConformanceError) -> Duration? {
    guard let text = try optionalString(key) else { return nil }
    do { return try GoDuration(text).duration } catch { throw self.error(key, error.description) }
  }

  func array(_ key: String) throws(ConformanceError) -> [JSONValue] {
    guard let items = body[key]?.arrayValue else { throw error(key, "expected a list") }
    return items
  }

  func request(timeout: Duration) throws(ConformanceError) -> InferenceRequest {
    let path = try string("path")
    guard path.hasPrefix("/") else { throw error("path", "must start with /") }
    var headers: [String: String] = [:]
    for (name, value) in body["headers"]?.objectValue ?? [:] {
      guard let text = value.stringValue else { throw error("headers.\(name)", "expected a string") }
      headers[name] = text
    }
    return InferenceRequest(
      method: try optionalString("method") ?? (body["body"] == nil ? "GET" : "POST"), path: path, body: body["body"],
      headers: headers, timeout: timeout, attempts: try optionalInt("attempts") ?? 1,
      retryInterval: try optionalDuration("retryInterval") ?? .seconds(2))
  }

  func expectation() throws(ConformanceError) -> ResponseExpectation {
    try requireObject()
    if action != "expect" { try allow(["status", "json", "bodyContains"]) }
    var assertions: [ResponseExpectation.JSONAssertion] = []
    for (index, item) in (body["json"]?.arrayValue ?? []).enumerated() {
      let choices = item["oneOf"]?.arrayValue ?? []
      guard let pathText = item["path"]?.stringValue, let expected = item["equals"] ?? choices.first,
        (item["equals"] == nil) != (item["oneOf"] == nil)
      else {
        throw error("json[\(index)]", "expected {path: …, equals: …} or {path: …, oneOf: [a non-empty list]}")
      }
      do {
        assertions.append(
          .init(path: try JSONPath(pathText), equals: expected, alternatives: Array(choices.dropFirst())))
      } catch {
        throw self.error("json[\(index)].path", error.description)
      }
    }
    if body["json"] != nil && body["json"]?.arrayValue == nil {
      throw error("json", "expected a list of {path, equals}")
    }
    return ResponseExpectation(
      status: try optionalInt("status") ?? 200, json: assertions, bodyContains: try optionalString("bodyContains"))
  }
}
