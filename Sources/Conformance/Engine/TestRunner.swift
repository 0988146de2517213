import Foundation
public import HTTP
public import Kubernetes
import ServestackCore
import Synchronization

/// Runs test phases against a cluster: creates the test namespace, runs each phase's steps in order (each a
/// check with its own timeout), always cleans up (unless `keep`), and returns the report.
public struct TestRunner: Sendable {
  public let client: KubeClient
  public let inference: InferenceClient
  /// The field manager of the objects the tests apply.
  public static let fieldManager = "servestack-test"

  public init(client: KubeClient, http: HTTPClient) {
    self.client = client
    self.inference = InferenceClient(http: http)
  }

  /// Runs `phases` (already selected and ordered) with `options`.
  ///
  /// #### Errors
  /// ``ConformanceError``: a phase file whose steps do not parse (`invalidPhase`, before anything is created),
  /// bad parameters (`invalidOption`), or a test namespace that cannot be created (`cluster`). Everything
  /// that goes wrong after that is a failed check in the report.
  public func run(_ phases: [TestPhase], options: TestRunOptions) async throws(ConformanceError) -> ConformanceReport {
    let startedAt = Date()
    let namespace = options.namespace ?? Self.randomNamespace(prefix: options.namespacePrefix)
    var overrides = options.parameters
    if options.requireGPU { overrides["requireGPU"] = "true" }
    let parameters = try TestParameters(profile: options.profile, namespace: namespace, overrides: overrides)
    var plans: [(TestPhase, [ConformanceStep])] = []
    for phase in phases where phase.applies(to: options.profile) {
      plans.append((phase, try phase.steps(parameters: parameters)))
    }
    let run = RunContext(options: options, namespace: namespace, parameters: parameters)
    options.progress?(.runStarted(namespace: namespace, phases: plans.map(\.0.name)))
    if options.namespace == nil {
      try await createNamespace(namespace, labels: options.namespaceLabels)
    }
    var reports: [PhaseReport] = []
    for (phase, steps) in plans {
      options.progress?(.phaseStarted(phase.name))
      let report = await runPhase(phase, steps: steps, run: run)
      options.progress?(.phaseFinished(report))
      reports.append(report)
    }
    if options.namespace == nil && !options.keep, let failure = await deleteNamespace(namespace), !reports.isEmpty {
      reports[reports.count - 1].checks.append(failure)
      reports[reports.count - 1].outcome = .failed
      if reports[reports.count - 1].reason.isEmpty { reports[reports.count - 1].reason = failure.reason }
    }
    let ingress = run.ingress.withLock { $0 }
    return ConformanceReport(
      startedAt: startedAt, finishedAt: Date(), profile: options.profile, clusterServer: client.connection.server,
      clusterContext: client.connection.contextName, namespace: namespace,
      ingressURL: ingress.flatMap { try? $0.get().url } ?? options.ingressURL,
      ingressSource: ingress.flatMap { try? $0.get().source }, phases: reports)
  }

  /// `prefix` (`servestack-test-`) and five random lowercase letters or digits.
  static func randomNamespace(prefix: String) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return prefix + String((0..<5).map { _ in alphabet.randomElement() ?? "x" })
  }

  func createNamespace(_ name: String, labels: [String: String]) async throws(ConformanceError) {
    var object = KubeObject(GroupVersionKind.namespace, name: name)
    var allLabels: JSONObject = ["app.kubernetes.io/managed-by": "servestack", "servestack.io/test": "true"]
    for (key, value) in labels.sorted(by: { $0.key < $1.key }) { allLabels[key] = .string(value) }
    object.json.set(.object(allLabels), at: ["metadata", "labels"])
    do {
      _ = try await client.create(object)
    } catch {
      throw ConformanceError(.cluster, "cannot create the test namespace \(name): \(error.message)", cause: error)
    }
  }

  /// Deletes a namespace the run created; a failed check when that did not work.
  func deleteNamespace(_ name: String) async -> CheckResult? {
    let started = ContinuousClock.now
    do {
      try await client.delete(ObjectReference(GroupVersionKind.namespace, name: name))
      return nil
    } catch {
      return CheckResult(
        name: "delete-namespace", action: "cleanup", outcome: .failed, durationSeconds: (.now - started).seconds,
        reason: "cannot delete the test namespace \(name): \(error.message)")
    }
  }

  func runPhase(_ phase: TestPhase, steps: [ConformanceStep], run: RunContext) async -> PhaseReport {
    let started = ContinuousClock.now
    let deadline = started + (run.options.phaseTimeout ?? phase.timeout)
    var state = PhaseState()
    if steps.contains(where: \.isGPUStep) { state.gpuProof = GPUProofLevel.none }
    var checks: [CheckResult] = []
    var cleanedUp = false
    for step in steps {
      let result: CheckResult
      if case .cleanup = step.kind {
        result = await cleanup(step, state: &state, run: run)
        cleanedUp = true
      } else if let reason = state.skipReason {
        result = CheckResult(
          name: step.name, action: step.action, outcome: .skipped, durationSeconds: 0, reason: reason)
      } else if ContinuousClock.now >= deadline {
        result = CheckResult(
          name: step.name, action: step.action, outcome: .failed, durationSeconds: 0,
          reason:
            "the phase's timeout (\(formatSeconds((run.options.phaseTimeout ?? phase.timeout).seconds))) ran out before this step"
        )
      } else {
        let stepStarted = ContinuousClock.now
        var limited = step
        limited.timeout = min(step.timeout, deadline - stepStarted)
        result = await execute(limited, phase: phase.name, state: &state, run: run)
      }
      if result.outcome == .failed && state.skipReason == nil {
        state.skipReason = "not run: step '\(step.name)' failed"
      }
      checks.append(result)
      run.options.progress?(.checkFinished(phase: phase.name, result))
    }
    if !cleanedUp && !state.applied.isEmpty {
      let implicit = ConformanceStep(
        name: "cleanup", action: "cleanup", kind: .cleanup, timeout: .seconds(120), profiles: nil, source: phase.file)
      let result = await cleanup(implicit, state: &state, run: run)
      checks.append(result)
      run.options.progress?(.checkFinished(phase: phase.name, result))
    }
    let outcome = Self.phaseOutcome(checks)
    let reason =
      checks.first { $0.outcome == .failed }?.reason
      ?? (outcome == .skipped ? checks.first { $0.outcome == .skipped }?.reason ?? "" : "")
    return PhaseReport(
      name: phase.name, file: phase.file, outcome: outcome, durationSeconds: (.now - started).seconds, reason: reason,
      checks: checks, gpuProof: state.gpuProof)
  }

  /// Failed when a check failed; skipped when nothing but cleanup and requirements ran; passed otherwise.
  static func phaseOutcome(_ checks: [CheckResult]) -> TestOutcome {
    if checks.contains(where: { $0.outcome == .failed }) { return .failed }
    let real = checks.filter { $0.action != "cleanup" && $0.action != "require" }
    if real.isEmpty || real.allSatisfy({ $0.outcome == .skipped }) { return .skipped }
    return .passed
  }

  func execute(_ step: ConformanceStep, phase: String, state: inout PhaseState, run: RunContext) async -> CheckResult {
    let started = ContinuousClock.now
    var outcome: StepOutcome
    switch step.kind {
    case .apply(let objects):
      outcome = await apply(objects, phase: phase, step: step, state: &state, run: run)
    case .waitCondition(let target, let condition, let status):
      outcome = await waitCondition(target, condition: condition, status: status, step: step, run: run)
    case .waitPlacement(let isvc, let resource):
      outcome = await waitPlacement(isvc, resource: resource, step: step, state: &state, run: run)
    case .request(let isvc, let request, let expectation):
      outcome = await sendRequest(isvc, request, expectation: expectation, step: step, state: &state, run: run)
    case .expect(let response, let expectation):
      outcome = expect(response, expectation, state: state)
    case .observeReplicas(let isvc, let bound, let load):
      outcome = await observeReplicas(isvc, bound: bound, load: load, step: step, state: &state, run: run)
    case .observeGPUNodes(let resource, let atLeast, let required):
      outcome = await observeGPUNodes(resource: resource, atLeast: atLeast, required: required, state: &state)
    case .observeGPUUtilization(let isvc, let request, let atLeast, let metricsURL):
      outcome = await observeGPUUtilization(
        isvc, request: request, atLeast: atLeast, metricsURL: metricsURL, step: step, state: state, run: run)
    case .observeTraffic(let spec):
      outcome = await observeTraffic(spec, step: step, run: run)
    case .observeScaleToZero(let spec):
      outcome = await observeScaleToZero(spec, step: step, state: state, run: run)
    case .require(let profiles, let value, let reason):
      if let profiles, !profiles.contains(run.options.profile) {
        outcome = StepOutcome(.skipped, "\(reason) (profile \(run.options.profile))")
        state.skipReason = "skipped: \(reason)"
      } else if let value, value.isEmpty {
        outcome = StepOutcome(.skipped, reason)
        state.skipReason = "skipped: \(reason)"
      } else {
        outcome = StepOutcome(
          .passed,
          profiles.map { "profile \(run.options.profile) is one of \($0.sorted().joined(separator: ", "))" } ?? "given")
      }
    case .cleanup:
      outcome = StepOutcome(.passed, "cleanup runs separately")
    }
    if let proven = outcome.gpuProof { state.gpuProof = max(state.gpuProof ?? GPUProofLevel.none, proven) }
    return CheckResult(
      name: step.name, action: step.action, outcome: outcome.outcome, durationSeconds: (.now - started).seconds,
      reason: outcome.reason, diagnosis: outcome.diagnosis, metrics: outcome.metrics, timeline: outcome.timeline)
  }
}

/// How one step came out, before it is timed and named.
struct StepOutcome: Sendable {
  var outcome: TestOutcome
  var reason: String
  var diagnosis: [String] = []
  var metrics: [String: Double] = [:]
  /// What the step proved about GPU use, if it is a GPU step (raises the phase's level, never lowers it).
  var gpuProof: GPUProofLevel?
  /// Replicas and latency over time, for observe steps under load.
  var timeline: [TimelinePoint] = []

  init(
    _ outcome: TestOutcome, _ reason: String, diagnosis: [String] = [], metrics: [String: Double] = [:],
    gpuProof: GPUProofLevel? = nil
  ) {
    self.outcome = outcome
    self.reason = reason
    self.diagnosis = diagnosis
    self.metrics = metrics
    self.gpuProof = gpuProof
  }
}

/// What one phase has done so far.
struct PhaseState: Sendable {
  /// Objects the phase's apply steps created, for cleanup.
  var applied: [ObjectReference] = []
  /// Answers of request steps, by step name, for expect steps.
  var responses: [String: InferenceResponse] = [:]
  /// When the last load ended, for the scale-down time.
  var loadEndedAt: ContinuousClock.Instant?
  /// p50 and p99 latency of the last load (warm replicas), to set the cold start beside.
  var warmLatency: (p50: Double, p99: Double)?
  /// Set once a step failed (or no GPU node was found): the remaining steps are skipped with this reason.
  var skipReason: String?
  /// The highest GPU proof level reached so far; `nil` in phases without GPU steps.
  var gpuProof: GPUProofLevel?
  /// The predictor pod a placement step found on a GPU node, for the later GPU steps to look at again.
  var gpuPlacement: (pod: String, node: String, resource: String)?
}

/// What the whole run shares: options, parameters, and the ingress once it has been looked up.
final class RunContext: Sendable {
  let options: TestRunOptions
  let namespace: String
  let parameters: TestParameters
  let ingress = Mutex<Result<IngressResolver.Ingress, ConformanceError>?>(nil)

  init(options: TestRunOptions, namespace: String, parameters: TestParameters) {
    self.options = options
    self.namespace = namespace
    self.parameters = parameters
  }
}
