public import Foundation
public import ServestackCore

/// Everything one `servestack test` run found: the console table, the JSON report and the JUnit report are
/// all written from this value. Its JSON form is documented in docs/report-schema.md and
/// docs/report-schema.json (``ConformanceReport/schemaVersion``).
public struct ConformanceReport: Sendable, Hashable {
  /// The JSON report's `schemaVersion`. A change that removes or renames a field gets a new version.
  public static let schemaVersion = "servestack.io/conformance-report/v1"

  public var toolVersion: String
  public var startedAt: Date
  public var finishedAt: Date
  public var profile: String
  /// The apiserver URL and kubeconfig context, when known.
  public var clusterServer: String?
  public var clusterContext: String?
  /// The namespace the test objects were created in.
  public var namespace: String
  /// Where requests were sent, and how that address was found (`--ingress`, `LoadBalancer of
  /// istio-system/istio-ingressgateway`).
  public var ingressURL: String?
  public var ingressSource: String?
  public var phases: [PhaseReport]

  public init(
    toolVersion: String = ToolInfo.version, startedAt: Date, finishedAt: Date, profile: String,
    clusterServer: String? = nil, clusterContext: String? = nil, namespace: String, ingressURL: String? = nil,
    ingressSource: String? = nil, phases: [PhaseReport]
  ) {
    self.toolVersion = toolVersion
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.profile = profile
    self.clusterServer = clusterServer
    self.clusterContext = clusterContext
    self.namespace = namespace
    self.ingressURL = ingressURL
    self.ingressSource = ingressSource
    self.phases = phases
  }

  /// Failed when any phase failed; passed otherwise (skipped phases do not fail a run).
  public var outcome: TestOutcome { phases.contains { $0.outcome == .failed } ? .failed : .passed }

  /// Exit status of `servestack test`: 0 only when nothing failed.
  public var exitCode: Int32 { outcome == .failed ? 1 : 0 }

  public var durationSeconds: Double { max(0, finishedAt.timeIntervalSince(startedAt)) }

  /// Counts over every check.
  public var summary: Summary {
    let checks = phases.flatMap(\.checks)
    return Summary(
      phases: phases.count, checks: checks.count, passed: checks.count { $0.outcome == .passed },
      failed: checks.count { $0.outcome == .failed }, skipped: checks.count { $0.outcome == .skipped })
  }

  public struct Summary: Sendable, Hashable {
    public var phases: Int
    public var checks: Int
    public var passed: Int
    public var failed: Int
    public var skipped: Int
  }
}
