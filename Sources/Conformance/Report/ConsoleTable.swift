import Foundation
import ServestackCore

extension ConformanceReport {
  /// The console view: one row per check (phase, check, result, duration, reason), each failure followed by
  /// its diagnosis, then the measured figures and a summary line.
  ///
  /// - Parameter color: ANSI colours for the result column (only on a terminal, `NO_COLOR` unset).
  public func consoleTable(color: Bool = false) -> String {
    var rows: [[String]] = [["PHASE", "CHECK", "RESULT", "DURATION", "REASON"]]
    var notes: [Int: [String]] = [:]
    for phase in phases {
      if phase.checks.isEmpty {
        rows.append([phase.name, "-", phase.outcome.rawValue, formatSeconds(phase.durationSeconds), phase.reason])
      }
      for check in phase.checks {
        rows.append([
          phase.name, check.name, check.outcome.rawValue, formatSeconds(check.durationSeconds), oneLine(check.reason),
        ])
        if check.outcome == .failed && !check.diagnosis.isEmpty { notes[rows.count - 1] = check.diagnosis }
      }
    }
    let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines: [String] = []
    for (index, row) in rows.enumerated() {
      var line = ""
      for column in 0..<4 {
        let cell = row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
        line += (column == 2 && index > 0 && color ? Self.colored(cell, row[2]) : cell) + "  "
      }
      lines.append(line + row[4])
      for finding in notes[index] ?? [] { lines.append("    - " + oneLine(finding)) }
    }
    for phase in phases where !phase.metrics.isEmpty {
      let figures = phase.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.figure($0.key, $0.value))" }
      lines.append("\(phase.name): " + figures.joined(separator: " "))
    }
    for phase in phases {
      if let proof = phase.gpuProof { lines.append("\(phase.name): GPU proof: \(proof.summary)") }
    }
    let s = summary
    lines.append(
      "\(outcome == .failed ? "FAILED" : "PASSED"): \(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped "
        + "in \(s.phases) phase\(s.phases == 1 ? "" : "s") (\(formatSeconds(durationSeconds)))")
    return lines.joined(separator: "\n") + "\n"
  }

  static func colored(_ cell: String, _ outcome: String) -> String {
    let code =
      switch outcome {
      case "passed": "32"
      case "failed": "31"
      default: "33"
      }
    return "\u{1B}[\(code)m\(cell)\u{1B}[0m"
  }

  /// Seconds as people read them; counts as integers.
  static func figure(_ name: String, _ value: Double) -> String {
    if name.hasSuffix("Seconds") { return formatSeconds(value) }
    if value.rounded() == value { return String(Int(value)) }
    return String((value * 100).rounded() / 100)
  }
}

/// Newlines and tabs folded into spaces, so one finding stays one line of the table.
func oneLine(_ text: String) -> String {
  String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 })
}
