public import ServestackCore

/// One step of a test phase, parsed from its `steps:` entry (`- request: {…}`) after `${…}` substitution.
/// Each step is one check in the reports. The schema is documented in docs/test-phases.md.
public struct ConformanceStep: Sendable {
  /// The check's name, unique in its phase (`ready`, `v1-predict`).
  public var name: String
  /// `apply`, `wait`, `request`, `expect`, `observe` or `cleanup`.
  public var action: String
  public var kind: Kind
  /// Time allowed for the step (bounded by what is left of the phase's `timeout`).
  public var timeout: Duration
  /// The profiles the step runs in; nil: all.
  public var profiles: Set<String>?
  /// `phases/80-smoke.yaml step 3`, for messages.
  public var source: String

  public enum Kind: Sendable {
    /// Server-side applies the objects into the test namespace.
    case apply([JSONValue])
    /// Waits until a condition of an object has a status (InferenceService `Ready=True`).
    case waitCondition(target: ObjectTarget, condition: String, status: String)
    /// Waits until the InferenceService's predictor pod is scheduled on a node with allocatable `resource`.
    case waitPlacement(inferenceService: String, resource: String)
    /// Sends a request through the ingress with the InferenceService's host; checks the answer when
    /// `expectation` is set.
    case request(inferenceService: String, request: InferenceRequest, expectation: ResponseExpectation?)
    /// Checks the answer an earlier `request` step of the phase received.
    case expect(response: String, expectation: ResponseExpectation)
    /// Polls the InferenceService's ready predictor replicas until they meet `bound`, optionally while load runs.
    case observeReplicas(inferenceService: String, bound: ReplicaBound, load: LoadSpec?)
    /// Counts nodes with allocatable `resource`; with fewer than `atLeast`, the rest of the phase is skipped
    /// (or fails, with `requireGPU`).
    case observeGPUNodes(resource: String, atLeast: Int, required: Bool)
    /// Sends requests while sampling DCGM_FI_DEV_GPU_UTIL of the predictor pod's GPU; skipped without metrics.
    case observeGPUUtilization(inferenceService: String, request: InferenceRequest, atLeast: Double, metricsURL: String)
    /// Waits until the InferenceService's latest revision is ready with the traffic split applied, then sends
    /// requests and tests the share the canary revision answered (exact binomial test).
    case observeTraffic(TrafficSpec)
    /// Waits (bounded by Knative's stable window and scale-to-zero grace period) until the predictor has no
    /// ready replica, then times the first request (the cold start).
    case observeScaleToZero(ScaleToZeroSpec)
    /// Runs the rest of the phase only in `profiles` (nil: all) and when `value` (a substituted parameter; nil:
    /// not asked) is not empty; otherwise the rest is skipped with `reason`.
    case require(profiles: Set<String>?, value: String?, reason: String)
    /// Deletes what the phase's apply steps created and waits until it is gone.
    case cleanup
  }

  /// A traffic split to measure: which answer comes from which revision, and the share expected.
  public struct TrafficSpec: Sendable {
    public var inferenceService: String
    public var request: InferenceRequest
    /// Requests to send (200 by default).
    public var requests: Int
    /// Requests in flight at once.
    public var concurrency: Int
    /// The share (percent) of answers the latest (canary) revision must give: 0 (rolled back) … 100 (promoted).
    public var canaryPercent: Int
    /// The previous revision's answer.
    public var stable: ResponseExpectation.JSONAssertion
    /// The canary revision's answer at `canaryPath`; nil: any answer other than the stable one.
    public var canaryPath: JSONPath
    public var canaryEquals: JSONValue?
    /// Of the interval the observed share is tested with (0.99).
    public var confidence: Double
  }

  /// The scale to zero to wait for and the request whose latency is the cold start.
  public struct ScaleToZeroSpec: Sendable {
    public var inferenceService: String
    public var request: InferenceRequest
    public var expectation: ResponseExpectation?
    /// `namespace/name` of Knative's autoscaler ConfigMap (stable window, grace period).
    public var autoscalerConfig: String
  }

  /// Steps about GPUs: a phase with one reports a ``GPUProofLevel``.
  public var isGPUStep: Bool {
    switch kind {
    case .waitPlacement, .observeGPUNodes, .observeGPUUtilization: true
    default: false
    }
  }

  /// An object named in a `wait` step.
  public struct ObjectTarget: Sendable, Hashable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var name: String

    public init(apiVersion: String, kind: String, name: String) {
      self.apiVersion = apiVersion
      self.kind = kind
      self.name = name
    }

    public static func inferenceService(_ name: String) -> ObjectTarget {
      ObjectTarget(apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", name: name)
    }

    public var description: String { "\(kind) \(name)" }
  }

  /// What the ready replicas must reach.
  public enum ReplicaBound: Sendable, Hashable, CustomStringConvertible {
    /// More than this many (scale up).
    case above(Int)
    /// This many or fewer (scale down; 0 is scale to zero).
    case atMost(Int)

    public func holds(_ replicas: Int) -> Bool {
      switch self {
      case .above(let n): replicas > n
      case .atMost(let n): replicas <= n
      }
    }

    public var description: String {
      switch self {
      case .above(let n): "more than \(n)"
      case .atMost(let n): "at most \(n)"
      }
    }
  }

  /// Load generated while replicas are observed.
  public struct LoadSpec: Sendable {
    public var request: InferenceRequest
    public var expectation: ResponseExpectation?
    public var concurrency: Int
    public var duration: Duration
    /// Share of failed requests tolerated (0.01 = 1%).
    public var maxErrorRate: Double
  }
}
