/// What one `servestack test` run does.
public struct TestRunOptions: Sendable {
  /// serverless, serverless-kourier or raw: chooses profile-specific steps and parameter defaults.
  public var profile: String
  /// An existing namespace to use (its test objects are deleted afterwards, the namespace is kept); nil
  /// creates `servestack-test-<random>` and deletes it afterwards.
  public var namespace: String?
  /// The prefix of a namespace the run creates (followed by five random characters).
  public var namespacePrefix: String
  /// Leave the test objects (and a created namespace) in place, for debugging.
  public var keep: Bool
  /// A missing GPU node fails the GPU phase instead of skipping it.
  public var requireGPU: Bool
  /// Send requests here (`http://HOST[:PORT]`) instead of the discovered ingress gateway.
  public var ingressURL: String?
  /// Running inside the cluster (the periodic job): requests go to the InferenceService's cluster-local
  /// `status.address.url` when no `--ingress` is given.
  public var inCluster: Bool
  /// `--set name=value` parameter overrides (see ``TestParameters``).
  public var parameters: [String: String]
  /// Overrides each phase's own overall `timeout:`.
  public var phaseTimeout: Duration?
  /// Labels put on a namespace the run creates.
  public var namespaceLabels: [String: String]
  /// Told about each phase and check as it finishes (for progress lines).
  public var progress: (@Sendable (TestProgress) -> Void)?

  public init(
    profile: String = "serverless", namespace: String? = nil, namespacePrefix: String = "servestack-test-",
    keep: Bool = false, requireGPU: Bool = false,
    ingressURL: String? = nil, inCluster: Bool = false, parameters: [String: String] = [:],
    phaseTimeout: Duration? = nil, namespaceLabels: [String: String] = [:],
    progress: (@Sendable (TestProgress) -> Void)? = nil
  ) {
    self.profile = profile
    self.namespace = namespace
    self.namespacePrefix = namespacePrefix
    self.keep = keep
    self.requireGPU = requireGPU
    self.ingressURL = ingressURL
    self.inCluster = inCluster
    self.parameters = parameters
    self.phaseTimeout = phaseTimeout
    self.namespaceLabels = namespaceLabels
    self.progress = progress
  }
}

/// What a run reports while it goes.
public enum TestProgress: Sendable {
  case runStarted(namespace: String, phases: [String])
  case phaseStarted(String)
  case checkFinished(phase: String, CheckResult)
  case phaseFinished(PhaseReport)
  case note(String)
}
