import Foundation
import HTTP
import ServestackCore
import Synchronization

/// A wait's progress, reported whenever the state changes.
public struct WaitProgress: Sendable {
  public var reference: ObjectReference
  public var condition: String
  public var state: WaitState
  public var elapsed: Duration
}

/// How a wait ended.
public struct WaitResult: Sendable, CustomStringConvertible {
  public var reference: ObjectReference
  public var condition: String
  /// The last state seen.
  public var state: WaitState
  public var elapsed: Duration
  /// What the pods and events say, when the wait did not succeed and the target is a workload.
  public var diagnosis: Diagnosis?
  /// nil when the condition holds; `waitTimeout`, `conditionFailed` or the error that stopped the wait.
  public var error: KubeError?

  public var satisfied: Bool { error == nil }
  public var description: String {
    error?.message ?? "\(reference): \(condition) (\(state.text)) after \(Waiter.format(elapsed))"
  }
}

/// One object and the condition to wait for.
public struct WaitTarget: Sendable {
  public var reference: ObjectReference
  public var condition: WaitCondition
  public init(_ reference: ObjectReference, _ condition: WaitCondition) {
    self.reference = reference
    self.condition = condition
  }
}

/// Waits for conditions on objects with watches (a list, then a watch from its resourceVersion, narrowed
/// with `fieldSelector=metadata.name=…`), falling back to polling where watching is forbidden. A wait that
/// times out or fails says what was missing and, for workloads, why (see ``WorkloadDiagnoser``).
public struct Waiter: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// Waits until `condition` holds for `reference`, it fails, or `timeout` passes.
  public func wait(
    for reference: ObjectReference, until condition: WaitCondition, timeout: Duration,
    progress: (@Sendable (WaitProgress) -> Void)? = nil
  ) async -> WaitResult {
    let started = ContinuousClock.now
    let last = Mutex<WaitState>(.pending("not looked at yet"))
    var target = condition.watchTarget(reference)
    var subject = reference
    do {
      let location = try await client.locate(target)
      target.namespace = location.namespace
      if subject.namespace == nil, try await client.locate(subject).namespace != nil {
        subject.namespace = location.namespace
      }
    } catch {
      return WaitResult(
        reference: subject, condition: condition.name, state: .failed(error.message), elapsed: .zero, error: error)
    }
    let watched = target
    let subjectReference = subject
    let report: @Sendable (WaitState) -> Void = { state in
      let changed = last.withLock { old in
        defer { old = state }
        return old != state
      }
      if changed, let progress {
        progress(
          WaitProgress(reference: subjectReference, condition: condition.name, state: state, elapsed: .now - started))
      }
    }
    let client = self.client
    let outcome: Result<WaitState, KubeError>? = await withTaskGroup(of: Result<WaitState, KubeError>?.self) { group in
      group.addTask { await Self.follow(watched, condition, client: client, report: report) }
      group.addTask {
        try? await Task.sleep(until: started + timeout)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first
    }
    let elapsed = ContinuousClock.now - started
    let state = last.withLock { $0 }
    switch outcome {
    case .success(.satisfied(let text))?:
      return WaitResult(reference: subject, condition: condition.name, state: .satisfied(text), elapsed: elapsed)
    case .success(let final)?:
      let diagnosis = condition.diagnoseWorkload ? await WorkloadDiagnoser(client: client).diagnose(subject) : nil
      let error = KubeError(
        .conditionFailed,
        "\(subject): will not become \(condition.name): \(final.text)" + (diagnosis.map { "; \($0.details)" } ?? ""),
        object: subject)
      return WaitResult(
        reference: subject, condition: condition.name, state: final, elapsed: elapsed, diagnosis: diagnosis,
        error: error)
    case .failure(let error)?:
      return WaitResult(
        reference: subject, condition: condition.name, state: state, elapsed: elapsed, error: error.about(subject))
    case nil:
      // The time ran out first, perhaps while the answer that satisfies the condition was on its way (a loaded
      // machine): one last look, so a condition that holds is never reported as timed out.
      let final = try? await client.getIfExists(watched)
      if let final, case .satisfied(let text) = condition.evaluate(final) {
        return WaitResult(reference: subject, condition: condition.name, state: .satisfied(text), elapsed: elapsed)
      }
      let diagnosis = condition.diagnoseWorkload ? await WorkloadDiagnoser(client: client).diagnose(subject) : nil
      var message = "\(subject): \(condition.unmet) after \(Self.format(timeout)): \(state.text)"
      if let diagnosis, !diagnosis.findings.isEmpty { message += "; \(diagnosis.details)" }
      return WaitResult(
        reference: subject, condition: condition.name, state: state, elapsed: elapsed, diagnosis: diagnosis,
        error: KubeError(.waitTimeout, message, object: subject))
    }
  }

  /// Waits for several targets at once; results in the order given.
  public func waitAll(
    _ targets: [WaitTarget], timeout: Duration, progress: (@Sendable (WaitProgress) -> Void)? = nil
  ) async -> [WaitResult] {
    await withTaskGroup(of: (Int, WaitResult).self) { group in
      for (index, target) in targets.enumerated() {
        group.addTask {
          (index, await wait(for: target.reference, until: target.condition, timeout: timeout, progress: progress))
        }
      }
      var results = [WaitResult?](repeating: nil, count: targets.count)
      for await (index, result) in group { results[index] = result }
      return results.compactMap { $0 }
    }
  }

  /// Lists the object, then watches it, until the condition is satisfied or failed.
  private static func follow(
    _ target: ObjectReference, _ condition: WaitCondition, client: KubeClient, report: @Sendable (WaitState) -> Void
  ) async -> Result<WaitState, KubeError> {
    let selector = "metadata.name=\(target.name)"
    var failures = 0
    while !Task.isCancelled {
      do {
        let list = try await client.list(
          target.gvk, namespace: target.namespace, options: ListOptions(fieldSelector: selector))
        var current = list.items.first
        var state = condition.evaluate(current)
        report(state)
        if case .pending = state {} else { return .success(state) }
        let events = client.watch(
          target.gvk, namespace: target.namespace,
          options: WatchOptions(fieldSelector: selector, resourceVersion: list.resourceVersion))
        for try await event in events {
          switch event {
          case .added(let object), .modified(let object): current = object
          case .deleted: current = nil
          case .bookmark, .relisted: continue
          }
          state = condition.evaluate(current)
          report(state)
          if case .pending = state {} else { return .success(state) }
        }
        if Task.isCancelled { break }
      } catch let error as KubeError where error.code == .forbidden || error.code == .methodNotAllowed {
        return await poll(target, condition, client: client, report: report)
      } catch let error as KubeError where error.category == .unreachable {
        failures += 1
      } catch let error as KubeError {
        return .failure(error)
      } catch {
        failures += 1
      }
      try? await Task.sleep(for: client.options.retry.backoff(afterAttempt: min(failures, 6)))
    }
    return .failure(KubeError(.cancelled, "wait for \(target) was cancelled"))
  }

  /// Polls with GET once a second, for identities that may get but not list or watch.
  private static func poll(
    _ target: ObjectReference, _ condition: WaitCondition, client: KubeClient, report: @Sendable (WaitState) -> Void
  ) async -> Result<WaitState, KubeError> {
    while !Task.isCancelled {
      do {
        let state = condition.evaluate(try await client.getIfExists(target))
        report(state)
        if case .pending = state {} else { return .success(state) }
      } catch  where error.category != .unreachable {
        return .failure(error)
      } catch {}
      try? await Task.sleep(for: .seconds(1))
    }
    return .failure(KubeError(.cancelled, "wait for \(target) was cancelled"))
  }

  /// `90s`, `2m30s`, `1.5s`.
  static func format(_ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    if whole < 120 { return "\(whole)s" }
    return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m\(whole % 60)s"
  }
}
