import Foundation
import ServestackCore

extension ConformanceReport {
  /// The report as JUnit XML in the Ant/Jenkins format: one `<testsuite>` per phase, one `<testcase>` per check,
  /// a `<failure>` with the reason as message and the diagnosis as text, `<skipped>` with the reason. It validates
  /// against Tests/ServestackTests/Resources/Conformance/junit.xsd and loads in Jenkins and GitLab.
  public var junitXML: String {
    let s = summary
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    xml +=
      "<testsuites name=\"servestack conformance\" tests=\"\(s.checks)\" failures=\"\(s.failed)\" errors=\"0\" "
      + "skipped=\"\(s.skipped)\" time=\"\(Self.seconds(durationSeconds))\">\n"
    for (index, phase) in phases.enumerated() {
      let checks = phase.checks
      xml +=
        "  <testsuite name=\"\(Self.escape(phase.name))\" tests=\"\(checks.count)\" "
        + "failures=\"\(checks.count { $0.outcome == .failed })\" errors=\"0\" "
        + "skipped=\"\(checks.count { $0.outcome == .skipped })\" time=\"\(Self.seconds(phase.durationSeconds))\" "
        + "timestamp=\"\(Self.timestamp(startedAt))\" id=\"\(index)\" package=\"servestack.conformance\" "
        + "hostname=\"\(Self.escape(clusterServer.flatMap { URL(string: $0)?.host } ?? "unknown"))\">\n"
      xml += "    <properties>\n"
      var properties: [(String, String)] = [
        ("profile", profile), ("namespace", namespace), ("servestack.version", toolVersion),
      ]
      if let file = phase.file { properties.append(("file", file)) }
      if let ingressURL { properties.append(("ingress", ingressURL)) }
      if let proof = phase.gpuProof {
        properties.append(("gpuProof", proof.rawValue))
        properties.append(("gpuProof.text", proof.summary))
      }
      for (name, value) in phase.metrics.sorted(by: { $0.key < $1.key }) {
        properties.append(("metric.\(name)", String(Self.round(value))))
      }
      for (name, value) in properties {
        xml += "      <property name=\"\(Self.escape(name))\" value=\"\(Self.escape(value))\"/>\n"
      }
      xml += "    </properties>\n"
      for check in checks {
        xml +=
          "    <testcase name=\"\(Self.escape(check.name))\" classname=\"servestack.\(Self.escape(phase.name))\" "
          + "time=\"\(Self.seconds(check.durationSeconds))\""
        switch check.outcome {
        case .passed:
          if check.reason.isEmpty && check.metrics.isEmpty {
            xml += "/>\n"
            continue
          }
          xml += ">\n"
        case .failed:
          xml +=
            ">\n      <failure message=\"\(Self.escape(oneLine(check.reason)))\" type=\"\(Self.escape(check.action))\">"
          xml += Self.escape(
            ([check.reason] + check.diagnosis.map { "- " + $0 }).joined(separator: "\n"), attribute: false)
          xml += "</failure>\n"
        case .skipped:
          xml += ">\n      <skipped message=\"\(Self.escape(oneLine(check.reason)))\"/>\n"
        }
        var out = check.outcome == .passed ? [check.reason] : []
        out += check.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.round($0.value))" }
        if !out.isEmpty {
          xml += "      <system-out>\(Self.escape(out.joined(separator: "\n"), attribute: false))</system-out>\n"
        }
        xml += "    </testcase>\n"
      }
      xml += "  </testsuite>\n"
    }
    xml += "</testsuites>\n"
    return xml
  }

  static func seconds(_ value: Double) -> String { String(format: "%.3f", max(0, value)) }

  /// XML 1.0 escaping for attribute values (newlines kept as `&#10;`) or element text (``MarkupEscaper``).
  static func escape(_ text: String, attribute: Bool = true) -> String {
    (attribute ? MarkupEscaper.xmlAttribute : MarkupEscaper.xmlText).escape(text)
  }
}
