public import Foundation
public import HTTP
public import Kubernetes
public import Phases
import ServestackCore

/// Runs the test phases at the end of `servestack install`, the way `servestack test` would.
///
/// Only the test parameters of the phase files are passed on; install's own parameters (domain, ingress
/// class, …) are for rendering manifests. The reports, when asked for, are written before returning so that
/// an install that fails its tests still leaves them for the operator.
public struct InstallTestRunner: TestPhaseRunning {
  public var http: HTTPClient
  /// The run's options; `profile` is replaced by the install's.
  public var options: TestRunOptions
  public var reportJSON: URL?
  public var reportJUnit: URL?
  public var reportHTML: URL?
  /// Called with the full report (the CLI prints its table).
  public var reportHandler: (@Sendable (ConformanceReport) -> Void)?

  public init(
    http: HTTPClient, options: TestRunOptions, reportJSON: URL? = nil, reportJUnit: URL? = nil, reportHTML: URL? = nil,
    reportHandler: (@Sendable (ConformanceReport) -> Void)? = nil
  ) {
    self.http = http
    self.options = options
    self.reportJSON = reportJSON
    self.reportJUnit = reportJUnit
    self.reportHTML = reportHTML
    self.reportHandler = reportHandler
  }

  public func runTestPhases(_ phases: [PhaseSpec], parameters: PhaseParameters, client: KubeClient) async
    -> TestPhasesOutcome
  {
    var options = options
    options.profile = parameters.profile.rawValue
    let testPhases = phases.compactMap(TestPhase.init(spec:))
    do {
      let report = try await TestRunner(client: client, http: http).run(testPhases, options: options)
      reportHandler?(report)
      var problems: [String] = []
      for (url, text) in [(reportJSON, report.jsonText), (reportJUnit, report.junitXML), (reportHTML, report.html)] {
        guard let url else { continue }
        do {
          try ConformanceReport.write(text, to: url)
        } catch {
          problems.append(error.message)
        }
      }
      return TestPhasesOutcome(
        passed: report.outcome == .passed && problems.isEmpty,
        summary: (report.phases.map(Self.describe) + problems).joined(separator: ", "), json: report.json)
    } catch {
      return TestPhasesOutcome(passed: false, summary: "the test phases could not run: \(error.userMessage)")
    }
  }

  static func describe(_ phase: PhaseReport) -> String {
    phase.outcome == .passed || phase.reason.isEmpty
      ? "\(phase.name) \(phase.outcome)" : "\(phase.name) \(phase.outcome) (\(phase.reason))"
  }
}
