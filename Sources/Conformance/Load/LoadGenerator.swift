public import Histogram
import ServestackCore
import Synchronization

/// How much load to generate. Both bounds are enforced: at most ``maximumConcurrency`` requests in flight and
/// ``maximumDuration`` of sending, whatever a phase file or a flag asks for.
public struct LoadOptions: Sendable {
  public static let maximumConcurrency = 256
  public static let maximumDuration = Duration.seconds(30 * 60)

  /// Requests in flight at once (one worker each).
  public var concurrency: Int
  /// How long new requests are started; requests in flight at the end are waited for.
  public var duration: Duration
  /// Stop after this many requests in all, if reached before the duration ends.
  public var maximumRequests: Int?
  public var request: InferenceRequest
  /// What a good answer looks like; anything else counts as an error. nil: any 2xx.
  public var expectation: ResponseExpectation?

  /// - Throws: ``ConformanceError`` (`invalidOption`) when a bound is out of range.
  public init(
    concurrency: Int, duration: Duration, maximumRequests: Int? = nil, request: InferenceRequest,
    expectation: ResponseExpectation? = nil
  ) throws(ConformanceError) {
    guard (1...Self.maximumConcurrency).contains(concurrency) else {
      throw ConformanceError(
        .invalidOption, "load concurrency \(concurrency) is out of range 1…\(Self.maximumConcurrency)")
    }
    guard duration > .zero, duration <= Self.maximumDuration else {
      throw ConformanceError(
        .invalidOption,
        "load duration \(formatSeconds(duration.seconds)) is out of range (0, \(formatSeconds(Self.maximumDuration.seconds))]"
      )
    }
    if let maximumRequests, maximumRequests < 1 {
      throw ConformanceError(.invalidOption, "maximum requests \(maximumRequests) must be at least 1")
    }
    self.concurrency = concurrency
    self.duration = duration
    self.maximumRequests = maximumRequests
    self.request = request
    self.expectation = expectation
  }
}

/// What a load run measured.
public struct LoadResult: Sendable {
  public var requests: Int
  /// Requests that failed (no answer, or an answer the expectation rejects).
  public var errors: Int
  /// Answers by status (`"200"`, `"503"`, `"timeout"`, `"error"`).
  public var statuses: [String: Int]
  public var latency: LatencySummary
  /// Latency of the first answered request of the run: the cold-start latency when the run began with no
  /// ready replica (scale from zero).
  public var firstLatencySeconds: Double?
  public var elapsedSeconds: Double
  /// The first failure, as a sentence.
  public var firstError: String?
  /// The merged histogram (microseconds), for callers that want other quantiles.
  public var histogram: Histogram<UInt64>
  /// Every answered request: when it was answered (seconds since the load started) and its latency, in
  /// answer order; the report's latency-over-time chart is drawn from these.
  public var answers: [LoadSample] = []

  public var requestsPerSecond: Double { elapsedSeconds > 0 ? Double(requests) / elapsedSeconds : 0 }
}

/// Generates bounded HTTP load against one endpoint from this process: `concurrency` workers, each sending
/// the next request as soon as the previous one is answered, until the duration (or request budget) ends.
/// Latencies go into one HDR histogram per worker, merged at the end, so recording takes no lock.
public struct LoadGenerator: Sendable {
  public let client: InferenceClient

  public init(client: InferenceClient) { self.client = client }

  public func run(_ options: LoadOptions, against endpoint: InferenceEndpoint) async -> LoadResult {
    let started = ContinuousClock.now
    let budget = RequestBudget(options.maximumRequests ?? Int.max)
    let workers = await withTaskGroup(of: WorkerResult.self) { group in
      for _ in 0..<options.concurrency {
        group.addTask {
          // Each worker sends for the whole duration from when it starts: on a busy machine a worker may
          // start late, and a shared deadline could pass before it sent anything.
          await worker(options, endpoint: endpoint, deadline: .now + options.duration, budget: budget, started: started)
        }
      }
      var results: [WorkerResult] = []
      for await result in group { results.append(result) }
      return results
    }
    var total = WorkerResult()
    for worker in workers { total.add(worker) }
    return LoadResult(
      requests: total.requests, errors: total.errors, statuses: total.statuses,
      latency: LatencySummary(histogram: total.histogram), firstLatencySeconds: total.firstAnswer?.latency,
      elapsedSeconds: (ContinuousClock.now - started).seconds, firstError: total.firstError, histogram: total.histogram,
      answers: total.answers.sorted { $0.atSeconds < $1.atSeconds })
  }

  struct WorkerResult: Sendable {
    var histogram = LatencySummary.makeHistogram()
    var statuses: [String: Int] = [:]
    var requests = 0
    var errors = 0
    var firstError: String?
    var firstAnswer: (at: ContinuousClock.Instant, latency: Double)?
    var answers: [LoadSample] = []

    /// Adds another worker's counts; the earliest first answer and the first error seen are kept.
    mutating func add(_ other: WorkerResult) {
      histogram.add(other.histogram)
      answers += other.answers
      statuses.merge(other.statuses, uniquingKeysWith: +)
      requests += other.requests
      errors += other.errors
      if let first = other.firstAnswer, firstAnswer.map({ first.at < $0.at }) ?? true { firstAnswer = first }
      if firstError == nil { firstError = other.firstError }
    }
  }

  func worker(
    _ options: LoadOptions, endpoint: InferenceEndpoint, deadline: ContinuousClock.Instant, budget: RequestBudget,
    started: ContinuousClock.Instant
  ) async -> WorkerResult {
    var result = WorkerResult()
    while ContinuousClock.now < deadline, !Task.isCancelled {
      guard budget.take() else { break }
      let response = await client.send(options.request, to: endpoint)
      result.requests += 1
      let key = response.status.map(String.init) ?? (response.timedOut ? "timeout" : "error")
      result.statuses[key, default: 0] += 1
      let problems =
        options.expectation?.problems(with: response)
        ?? (response.status.map { (200..<300).contains($0) } == true ? [] : [response.failureSummary])
      if problems.isEmpty {
        LatencySummary.record(response.latency, into: &result.histogram)
        if result.firstAnswer == nil { result.firstAnswer = (.now, response.latency.seconds) }
        result.answers.append(
          LoadSample(atSeconds: (ContinuousClock.now - started).seconds, latencySeconds: response.latency.seconds))
      } else {
        result.errors += 1
        if result.firstError == nil { result.firstError = problems.joined(separator: "; ") }
      }
    }
    return result
  }
}

/// Requests left to send, shared by the workers.
final class RequestBudget: Sendable {
  private let remaining: Atomic<Int>

  init(_ count: Int) { remaining = Atomic(count) }

  /// Takes one request from the budget; false when none is left.
  func take() -> Bool { remaining.subtract(1, ordering: .relaxed).oldValue > 0 }
}
