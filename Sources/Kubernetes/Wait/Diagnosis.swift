/// Why a workload is not ready, from its status, its pods and their events: what a person would find
/// with `kubectl describe`, in one line.
public struct Diagnosis: Sendable, CustomStringConvertible {
  /// One thing found wrong.
  public struct Finding: Sendable, Equatable, CustomStringConvertible {
    /// `pod kserve-controller-manager-abc`, `replicaset kserve/x-123`.
    public var object: String
    /// The state: `ImagePullBackOff`, `Pending`, `CrashLoopBackOff`, `FailedCreate`.
    public var problem: String
    /// The details: `image=kserve/kserve-controller:v0.16.0 (Back-off pulling image …)`.
    public var detail: String

    public init(object: String, problem: String, detail: String) {
      self.object = object
      self.problem = problem
      self.detail = detail
    }

    public var description: String { detail.isEmpty ? "\(object): \(problem)" : "\(object): \(problem) \(detail)" }
  }

  public var subject: ObjectReference
  /// The workload's own counts: `0/1 available`.
  public var summary: String
  public var findings: [Finding]

  public init(subject: ObjectReference, summary: String, findings: [Finding]) {
    self.subject = subject
    self.summary = summary
    self.findings = findings
  }

  /// The findings joined: `pod x-abc: ImagePullBackOff image=… (…); pod x-def: Pending (…)`.
  public var details: String { findings.map(\.description).joined(separator: "; ") }

  /// `deployment kserve/kserve-controller-manager: 0/1 available; pod …: ImagePullBackOff image=… (…)`.
  public var description: String {
    var text = "\(subject): \(summary)"
    if !findings.isEmpty { text += "; " + details }
    return text
  }
}
