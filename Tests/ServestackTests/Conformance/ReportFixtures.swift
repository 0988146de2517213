import Conformance
import Foundation
import ServestackCore
import TestSupport

/// Reports and validators shared by the report tests.
enum ReportFixtures {
  /// A report with a passed, a skipped and a failed phase; the failure's diagnosis holds characters XML and
  /// JSON must escape.
  static func sample() -> ConformanceReport {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    return ConformanceReport(
      toolVersion: "0.1.0", startedAt: start, finishedAt: start.addingTimeInterval(93.25), profile: "serverless",
      clusterServer: "https://127.0.0.1:6443", clusterContext: "admin", namespace: "servestack-test-ab12c",
      ingressURL: "http://127.0.0.1:31380", ingressSource: "--ingress",
      phases: [
        PhaseReport(
          name: "smoke", file: "phases/80-smoke.yaml", outcome: .passed, durationSeconds: 12.5,
          checks: [
            CheckResult(name: "create", action: "apply", outcome: .passed, durationSeconds: 0.2, reason: "created"),
            CheckResult(name: "ready", action: "wait", outcome: .passed, durationSeconds: 9.1, reason: "Ready=True"),
            CheckResult(
              name: "v1-predict", action: "request", outcome: .passed, durationSeconds: 0.05,
              reason: "status 200, predictions = [1,1]", metrics: ["latencySeconds": 0.012]),
            CheckResult(name: "cleanup", action: "cleanup", outcome: .passed, durationSeconds: 1.0, reason: "deleted"),
          ]),
        PhaseReport(
          name: "gpu-inference", file: "phases/85-gpu-inference.yaml", outcome: .skipped, durationSeconds: 0.1,
          reason: "no GPU node: 0 of 3 nodes have allocatable nvidia.com/gpu",
          checks: [
            CheckResult(
              name: "gpu-nodes", action: "observe", outcome: .skipped, durationSeconds: 0.1,
              reason: "no GPU node: 0 of 3 nodes have allocatable nvidia.com/gpu")
          ], gpuProof: GPUProofLevel.none),
        PhaseReport(
          name: "autoscaling", file: "phases/90-autoscaling.yaml", outcome: .failed, durationSeconds: 80,
          reason: "ready replicas stayed at 1",
          checks: [
            CheckResult(
              name: "scale-up", action: "observe", outcome: .failed, durationSeconds: 60,
              reason: "ready replicas of sklearn-iris-scale stayed at 1 (wanted more than 1) <&> \"quoted\"",
              diagnosis: [
                "pod x-abc: Pending (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)",
                "event Warning Failed pod x: Failed to pull image \"kserve/sklearnserver:v0.16.0\"\nline two",
              ],
              metrics: [
                "latencyP50Seconds": 0.004, "latencyP99Seconds": 0.25, "coldStartSeconds": 3.5, "requests": 420,
              ],
              timeline: scalingTimeline()),
            CheckResult(
              name: "scale-down", action: "observe", outcome: .skipped, durationSeconds: 0,
              reason: "not run: step 'scale-up' failed"),
          ]),
      ])
  }

  /// A minute of load: replicas 0 → 1 → 3 → 2, latency high at the cold start and settling.
  static func scalingTimeline() -> [TimelinePoint] {
    (1...60).map { second in
      let t = Double(second)
      let ready = second < 4 ? 0 : second < 12 ? 1 : second < 45 ? 3 : 2
      let base = second < 4 ? 3.2 : 0.02 + 0.3 / t
      // Milliseconds, as the JSON report keeps them.
      func ms(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
      return TimelinePoint(
        seconds: t, readyReplicas: ready, answered: second < 4 ? 1 : 40, latencyP50Seconds: ms(base),
        latencyP95Seconds: ms(base * 1.8), latencyP99Seconds: ms(base * 2.6 + (second == 30 ? 0.2 : 0)))
    }
  }

  static var resources: URL {
    get throws {
      guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw TestSetupError("test resources not found")
      }
      return url.appendingPathComponent("Conformance")
    }
  }

  static var junitXSD: URL { get throws { try resources.appendingPathComponent("junit.xsd") } }
  static var jsonSchema: URL { TestEnvironment.packageRoot.appendingPathComponent("docs/report-schema.json") }

  /// Validates a JSON report with Python's jsonschema (draft 2020-12, formats checked); nil when valid,
  /// else the validator's message.
  static func validateJSON(_ text: String, in directory: TemporaryDirectory) throws -> String? {
    let file = try directory.write("report-\(UUID().uuidString.prefix(6)).json", text)
    let script = """
      import json, sys, jsonschema
      schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
      cls = jsonschema.validators.validator_for(schema)
      cls.check_schema(schema)
      errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=lambda e: list(e.path))
      print("; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message) for e in errors) or "VALID")
      """
    let output = try Shell.check("python3", ["-c", script, jsonSchema.path, file.path])
    let line = output.trimmingCharacters(in: .whitespacesAndNewlines)
    return line == "VALID" ? nil : line
  }

  /// Validates JUnit XML against the XSD with Python's xmlschema; returns nil and the suites
  /// (`name tests failures skipped`) when valid, else the validator's message.
  static func validateJUnit(_ xml: String, in directory: TemporaryDirectory) throws -> (
    error: String?, suites: [String]
  ) {
    let file = try directory.write("junit-\(UUID().uuidString.prefix(6)).xml", xml)
    let script = """
      import sys, xmlschema, xml.etree.ElementTree as ET
      schema = xmlschema.XMLSchema(sys.argv[1])
      try:
          schema.validate(sys.argv[2])
      except xmlschema.XMLSchemaException as e:
          print("INVALID " + str(e).splitlines()[0]); sys.exit(0)
      root = ET.parse(sys.argv[2]).getroot()
      print("VALID")
      for s in root.iter("testsuite"):
          print(s.get("name"), s.get("tests"), s.get("failures"), s.get("skipped"), len(s.findall("testcase")))
      """
    let output = try Shell.check("python3", ["-c", script, try junitXSD.path, file.path])
    let lines = output.split(separator: "\n").map(String.init)
    if lines.first == "VALID" { return (nil, Array(lines.dropFirst())) }
    return (lines.first ?? output, [])
  }
}
