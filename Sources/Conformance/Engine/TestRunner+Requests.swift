import Foundation
import Kubernetes
import ServestackCore
import Synchronization

extension TestRunner {
  /// Where requests to `isvc` go: the ingress (given, or discovered once per run) with the host of the
  /// InferenceService's `status.url`; in the cluster without `--ingress`, its cluster-local `status.address.url`.
  func endpoint(for isvc: String, run: RunContext) async -> Result<InferenceEndpoint, StepFailure> {
    let reference = ObjectReference(KubeKinds.inferenceService, namespace: run.namespace, name: isvc)
    let object: KubeObject
    do {
      object = try await client.get(reference)
    } catch {
      return .failure(StepFailure("cannot read InferenceService \(run.namespace)/\(isvc): \(error.message)"))
    }
    if run.options.ingressURL == nil && run.options.inCluster,
      let address = object[path: "status", "address", "url"]?.stringValue,
      let host = InferenceEndpoint.host(ofURL: address)
    {
      return .success(InferenceEndpoint(ingressURL: Self.origin(of: address), host: host))
    }
    guard let url = object[path: "status", "url"]?.stringValue, let host = InferenceEndpoint.host(ofURL: url) else {
      return .failure(
        StepFailure("InferenceService \(run.namespace)/\(isvc) has no status.url, so its host is unknown"))
    }
    let ingress: Result<IngressResolver.Ingress, ConformanceError>
    if let given = run.options.ingressURL {
      ingress = .success(IngressResolver.Ingress(url: given, source: "--ingress"))
    } else if let cached = run.ingress.withLock({ $0 }) {
      ingress = cached
    } else {
      ingress = await IngressResolver(client: client).resolve(profile: run.options.profile)
    }
    run.ingress.withLock { $0 = ingress }
    switch ingress {
    case .success(let found): return .success(InferenceEndpoint(ingressURL: found.url, host: host))
    case .failure(let error): return .failure(StepFailure(error.message))
    }
  }

  /// `http://host:port` of a URL, without its path.
  static func origin(of url: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    let authority = rest.prefix { $0 != "/" }
    return String(url[..<scheme.upperBound]) + authority
  }

  func sendRequest(
    _ isvc: String, _ request: InferenceRequest, expectation: ResponseExpectation?, step: ConformanceStep,
    state: inout PhaseState, run: RunContext
  ) async -> StepOutcome {
    let endpoint: InferenceEndpoint
    switch await self.endpoint(for: isvc, run: run) {
    case .success(let found): endpoint = found
    case .failure(let failure):
      return StepOutcome(
        .failed, failure.reason,
        diagnosis: await InferenceServiceDiagnoser(client: client).diagnose(
          inferenceService: isvc, namespace: run.namespace))
    }
    var request = request
    // The step's timeout is per attempt; the phase deadline still bounds the whole.
    request.timeout = min(request.timeout, step.timeout)
    let response = await inference.send(request, to: endpoint)
    state.responses[step.name] = response
    let latency = ["latencySeconds": response.latency.seconds]
    guard let expectation else {
      if response.status != nil {
        return StepOutcome(.passed, "\(request.line) answered \(response.status ?? 0)", metrics: latency)
      }
      return await failedRequest(response, [response.failureSummary], isvc: isvc, run: run)
    }
    let problems = expectation.problems(with: response)
    if problems.isEmpty {
      return StepOutcome(.passed, expectation.summary(of: response), metrics: latency)
    }
    return await failedRequest(response, problems, isvc: isvc, run: run)
  }

  /// A request that failed: the problems first, then what the cluster says about the InferenceService when
  /// the answer came from the infrastructure (no answer, 404 from the gateway, 5xx).
  func failedRequest(_ response: InferenceResponse, _ problems: [String], isvc: String, run: RunContext) async
    -> StepOutcome
  {
    var diagnosis = Array(problems.dropFirst())
    diagnosis.append(
      "request: \(response.target), latency \(formatSeconds(response.latency.seconds)), attempts \(response.attempts)")
    let infrastructure = response.status.map { $0 == 404 || $0 >= 500 } ?? true
    if infrastructure {
      diagnosis += await InferenceServiceDiagnoser(client: client).diagnose(
        inferenceService: isvc, namespace: run.namespace)
    }
    let prefix = response.status == nil ? "" : "\(response.request.line): "
    return StepOutcome(.failed, prefix + problems[0], diagnosis: diagnosis)
  }

  func expect(_ name: String, _ expectation: ResponseExpectation, state: PhaseState) -> StepOutcome {
    guard let response = state.responses[name] else {
      let known = state.responses.keys.sorted()
      return StepOutcome(
        .failed,
        "no answer of a request step named '\(name)' to check"
          + (known.isEmpty ? "" : " (request steps so far: \(known.joined(separator: ", ")))"))
    }
    let problems = expectation.problems(with: response)
    if problems.isEmpty { return StepOutcome(.passed, expectation.summary(of: response)) }
    return StepOutcome(
      .failed, "\(response.request.line): \(problems[0])",
      diagnosis: Array(problems.dropFirst()) + ["request: \(response.target)"])
  }
}

/// Why a step could not do its work, as one sentence.
struct StepFailure: Error, Sendable {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}
