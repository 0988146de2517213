import Foundation
import ServestackCore

extension ConformanceReport {
  /// The report as Prometheus text exposition format (version 0.0.4): pass/fail per phase and per check,
  /// durations, and the figures the phases measured (scale-up/down time, cold start, latency quantiles).
  ///
  /// `servestack_test_phase_passed{phase="smoke"} 1` is 1 only for a passed phase (0 for failed and skipped;
  /// `servestack_test_phase_skipped` tells those apart).
  public var prometheusText: String {
    var families: [(name: String, help: String, samples: [(labels: String, value: Double)])] = []
    func family(_ name: String, _ help: String, _ samples: [(String, Double)]) {
      families.append((name, help, samples.map { (labels: $0.0, value: $0.1) }))
    }
    family(
      "servestack_test_run_passed", "1 when the last conformance run had no failed phase.",
      [("", outcome == .passed ? 1 : 0)])
    family(
      "servestack_test_run_timestamp_seconds", "When the last conformance run finished (Unix time).",
      [("", finishedAt.timeIntervalSince1970.rounded())])
    family("servestack_test_run_duration_seconds", "How long the last conformance run took.", [("", durationSeconds)])
    family(
      "servestack_test_phase_passed", "1 when the phase passed in the last run, 0 when it failed or was skipped.",
      phases.map { (Self.labels(["phase": $0.name]), $0.outcome == .passed ? 1 : 0) })
    family(
      "servestack_test_phase_skipped", "1 when the phase was skipped in the last run.",
      phases.map { (Self.labels(["phase": $0.name]), $0.outcome == .skipped ? 1 : 0) })
    family(
      "servestack_test_phase_duration_seconds", "How long the phase took in the last run.",
      phases.map { (Self.labels(["phase": $0.name]), $0.durationSeconds) })
    family(
      "servestack_test_check_passed", "1 when the check passed in the last run, 0 when it failed or was skipped.",
      phases.flatMap { phase in
        phase.checks.map { (Self.labels(["phase": phase.name, "check": $0.name]), $0.outcome == .passed ? 1 : 0) }
      })
    let proofs = phases.compactMap { phase in
      phase.gpuProof.map { (Self.labels(["phase": phase.name]), Double($0.rank)) }
    }
    if !proofs.isEmpty {
      family(
        "servestack_test_gpu_proof_level",
        "GPU use the phase proved: 0 nothing, 1 placed on a GPU node, 2 GPU allocated to the pod, 3 GPU busy during requests (DCGM).",
        proofs)
    }
    var latency: [(String, Double)] = []
    var other: [String: [(String, Double)]] = [:]
    for phase in phases {
      for (name, value) in phase.metrics.sorted(by: { $0.key < $1.key }) {
        if let quantile = Self.latencyQuantiles[name] {
          latency.append((Self.labels(["phase": phase.name, "quantile": quantile]), value))
        } else {
          other["servestack_test_" + Self.snakeCase(name), default: []].append(
            (Self.labels(["phase": phase.name]), value))
        }
      }
    }
    if !latency.isEmpty {
      family("servestack_test_request_latency_seconds", "Request latency under generated load, by quantile.", latency)
    }
    for name in other.keys.sorted() {
      family(name, "Measured by the conformance test phase (see docs/report-schema.md).", other[name] ?? [])
    }
    var text = ""
    for family in families {
      text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) gauge\n"
      for sample in family.samples { text += "\(family.name)\(sample.labels) \(Self.sampleValue(sample.value))\n" }
    }
    return text
  }

  static let latencyQuantiles = [
    "latencyP50Seconds": "0.5", "latencyP95Seconds": "0.95", "latencyP99Seconds": "0.99", "latencyMaxSeconds": "1",
  ]

  static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
    "{" + pairs.map { "\($0.key)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
  }

  static func escapeLabel(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
  }

  /// `scaleUpSeconds` → `scale_up_seconds`; anything not allowed in a metric name becomes `_`.
  static func snakeCase(_ name: String) -> String {
    var out = ""
    for character in name {
      if character.isUppercase {
        if !out.isEmpty { out += "_" }
        out += character.lowercased()
      } else if character.isLetter || character.isNumber || character == "_" {
        out.append(character)
      } else {
        out += "_"
      }
    }
    return out
  }

  static func sampleValue(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.rounded() == value && abs(value) < 1e15 { return String(Int(value)) }
    return String(value)
  }
}
