import Foundation
public import Kubernetes
import ServestackCore
import Synchronization

/// `servestack uninstall`: deletes what the recorded phases applied, in reverse phase order, waiting until
/// each object is gone; CRDs only when asked, Namespaces last; never what another manager owns, except a
/// webhook configuration whose Service is gone (it would fail every request it intercepts). What is kept
/// stays in the state, so a later uninstall still sees it.
public struct Uninstaller: Sendable {
  public let client: KubeClient

  /// How many objects are deleted at once (each waited for until gone).
  static let parallelDeletes = 16

  public init(client: KubeClient) { self.client = client }

  /// #### Errors
  /// ``PhaseError``: `cluster` (unreachable, the state unreadable), `lockHeld` (an install runs).
  public func run(_ options: UninstallOptions, events: @escaping EngineEventSink = { _ in }) async throws(PhaseError)
    -> UninstallResult
  {
    let started = ContinuousClock.now
    let store = InstallStateStore(client: client, namespace: options.stateNamespace)
    var state = try await store.load()
    guard !state.records.isEmpty else {
      return UninstallResult(dryRun: options.dryRun, removals: [], duration: .now - started, warnings: [])
    }
    var warnings: [String] = []
    var lock: InstallLock?
    if !options.dryRun {
      let (taken, warning) = try await InstallLock.acquire(
        client: client, namespace: options.stateNamespace, duration: options.leaseDuration)
      lock = taken
      if let warning {
        warnings.append(warning)
        events(.warning(warning))
      }
    }
    do throws(PhaseError) {
      let (removals, notes) = try await remove(&state, store: store, options: options, events: events)
      warnings += notes
      await lock?.release()
      return UninstallResult(dryRun: options.dryRun, removals: removals, duration: .now - started, warnings: warnings)
    } catch {
      await lock?.release()
      throw error
    }
  }

  /// The recorded phases in uninstall order: the set's reverse install order for the recorded profile,
  /// then recorded phases the set does not have.
  static func order(_ state: InstallState, set: PhaseSet) -> [PhaseName] {
    let profile = state.profile ?? .serverless
    var names = set.uninstallOrder(profile: profile).map(\.name).filter { state[$0] != nil }
    let others = state.records.keys.filter { !names.contains($0) }.sorted().reversed()
    names += others
    return names
  }

  /// Where a recorded object stands after this run (in a dry run: would stand).
  enum Outcome: Sendable {
    case deleted
    /// Not there (never created, already deleted), or never ours to delete (`default`): nothing to count.
    case absent
    case kept(String)
    case failed(String)

    /// Whether the object is still there afterwards, so the state must keep it.
    var remains: Bool {
      switch self {
      case .deleted, .absent: false
      case .kept, .failed: true
      }
    }
  }

  /// What one run has decided so far: each object's outcome, and which phase reports it (the first in
  /// uninstall order that recorded it, so an object two phases recorded is counted once).
  struct Ledger {
    var outcomes: [StoredObject: Outcome] = [:]
    var reporter: [StoredObject: Int] = [:]
    var reported: [[StoredObject]] = []

    mutating func report(_ object: StoredObject, phase: Int) -> Bool {
      guard reporter[object] == nil else { return false }
      reporter[object] = phase
      reported[phase].append(object)
      return true
    }

    func removal(_ phase: Int, name: String) -> UninstallResult.Removal {
      var removal = UninstallResult.Removal(phase: name)
      for object in reported[phase] {
        switch outcomes[object] {
        case .deleted?: removal.deleted.append(object.description)
        case .kept(let reason)?: removal.kept.append(KeptObject(object: object.description, reason: reason))
        case .failed(let message)?:
          removal.failed.append(ObjectCounts.Failure(object: object.description, message: message))
        case .absent?, nil: break
        }
      }
      return removal
    }

    /// The objects of `recorded` the state must keep: still there, or (while the run goes on) not decided yet.
    func remaining(_ recorded: [StoredObject]) -> [StoredObject] {
      recorded.filter { outcomes[$0]?.remains ?? true }
    }
  }

  private func remove(
    _ state: inout InstallState, store: InstallStateStore, options: UninstallOptions, events: @escaping EngineEventSink
  ) async throws(PhaseError) -> ([UninstallResult.Removal], [String]) {
    let order = Self.order(state, set: options.phaseSet)
    var ledger = Ledger(reported: Array(repeating: [], count: order.count))
    var durations = [Duration](repeating: .zero, count: order.count)
    var crds: [StoredObject] = []
    var namespaces: [StoredObject] = []
    for (index, name) in order.enumerated() {
      let phaseStart = ContinuousClock.now
      events(
        .phaseStarted(
          name: name, index: index + 1, total: order.count,
          action: options.dryRun ? .dryRunUninstall : .uninstalling))
      var rest: [StoredObject] = []
      for object in (state[name]?.objects ?? []).reversed() where ledger.report(object, phase: index) {
        if object.kind == "Namespace" && object.apiVersion == "v1" {
          namespaces.append(object)
        } else if object.kind == "CustomResourceDefinition" {
          if options.deleteCRDs {
            crds.append(object)
          } else {
            ledger.outcomes[object] =
              await Self.exists(object, client: client) ? .kept("CRDs are kept without --delete-crds") : .absent
          }
        } else {
          rest.append(object)
        }
      }
      for (object, outcome) in zip(rest, await deleteAll(rest, phase: name, options: options, events: events)) {
        ledger.outcomes[object] = outcome
      }
      durations[index] = .now - phaseStart
      if !options.dryRun { try await record(Array(order.prefix(index + 1)), in: &state, ledger: ledger, store: store) }
      let removal = ledger.removal(index, name: name.rawValue)
      var result = PhaseResult(
        name: name, outcome: removal.failed.isEmpty ? .succeeded : .failed,
        reason: "\(removal.deleted.count) deleted, \(removal.kept.count) kept, \(removal.failed.count) failed",
        duration: durations[index])
      result.removed = RemovalCounts(
        deleted: removal.deleted.count, kept: removal.kept.count,
        failures: removal.failed)
      events(.phaseFinished(result))
    }
    // CRDs (their custom resources go with them), then Namespaces, last.
    for (object, outcome) in zip(crds, await deleteAll(crds, phase: nil, options: options, events: events)) {
      ledger.outcomes[object] = outcome
    }
    var deletable: [StoredObject] = []
    for object in namespaces {
      if Self.protectedNamespaces.contains(object.name) || object.name == options.stateNamespace {
        ledger.outcomes[object] = .absent
        continue
      }
      // Deleting a Namespace deletes what it holds: one holding kept objects stays.
      let held = ledger.outcomes.filter { if case .kept = $0.value { $0.key.namespace == object.name } else { false } }
        .keys
      if held.isEmpty {
        deletable.append(object)
      } else {
        let names = held.map(\.description).sorted().joined(separator: ", ")
        ledger.outcomes[object] = .kept("it holds objects kept above (\(names))")
      }
    }
    for (object, outcome) in zip(deletable, await deleteAll(deletable, phase: nil, options: options, events: events)) {
      ledger.outcomes[object] = outcome
    }
    let notes = await removeOrphanedWebhooks(&ledger, options: options)
    for note in notes { events(.warning(note)) }
    if !options.dryRun { try await record(order, in: &state, ledger: ledger, store: store) }
    var removals = order.enumerated().map { ledger.removal($0.offset, name: $0.element.rawValue) }
    for index in removals.indices { removals[index].duration = durations[index] }
    return (removals, notes)
  }

  /// Writes what is left of each phase to the state: a phase with nothing left is forgotten; one with
  /// objects still there keeps them (pending), so the next uninstall or install sees them.
  private func record(_ order: [PhaseName], in state: inout InstallState, ledger: Ledger, store: InstallStateStore)
    async throws(PhaseError)
  {
    for name in order {
      guard let record = state[name] else { continue }
      let left = ledger.remaining(record.objects)
      if left.isEmpty {
        state.remove(name, at: Date())
      } else if left != record.objects || record.status != .pending {
        state.keep(name, objects: left, message: "partly uninstalled: \(left.count) object(s) still there", at: Date())
      }
    }
    try await store.save(state)
  }

  /// Whether `manager`'s server-side apply owns `label` of the object.
  static func ownsLabel(_ label: String, of live: KubeObject, manager: String) -> Bool {
    (live[path: "metadata", "managedFields"]?.arrayValue ?? []).contains { entry in
      entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Apply"
        && entry[path: ["fieldsV1", "f:metadata", "f:labels", "f:\(label)"]] != nil
    }
  }

  static let protectedNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]

  /// Whether the object is there; an error reading it counts as there (it is then reported, not hidden).
  static func exists(_ object: StoredObject, client: KubeClient) async -> Bool {
    guard let gvk = try? GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind) else { return true }
    do {
      return try await client.getIfExists(ObjectReference(gvk, namespace: object.namespace, name: object.name)) != nil
    } catch {
      return error.code != .unknownKind
    }
  }

  /// Deletes objects, ``parallelDeletes`` at a time, each waited for until gone; with a phase, reports
  /// progress about every 1% (a phase may hold tens of thousands of objects).
  func deleteAll(
    _ objects: [StoredObject], phase: PhaseName?, force: Bool = false, options: UninstallOptions,
    events: @escaping EngineEventSink
  ) async -> [Outcome] {
    guard !objects.isEmpty else { return [] }
    let client = self.client
    let done = Mutex(0)
    let total = objects.count
    let step = max(1, total / 100)
    return await concurrentMap(objects, limit: Self.parallelDeletes) { object in
      let outcome = await Self.delete(object, client: client, force: force, options: options)
      let count = done.withLock { count in
        count += 1
        return count
      }
      if let phase, count % step == 0 || count == total {
        events(.removalProgress(phase: phase, done: count, total: total))
      }
      return outcome
    }
  }

  static func delete(_ object: StoredObject, client: KubeClient, force: Bool, options: UninstallOptions) async
    -> Outcome
  {
    do throws(KubeError) {
      let gvk = try GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind)
      let reference = ObjectReference(gvk, namespace: object.namespace, name: object.name)
      let live: KubeObject?
      do {
        live = try await client.getIfExists(reference)
      } catch  where error.code == .unknownKind {
        return .absent  // its CRD is gone, and with it every object of the kind
      }
      guard let live else { return .absent }
      if !force, let owner = foreignOwner(of: live, applied: object, ours: options.fieldManager) {
        return .kept(owner)
      }
      _ = try await client.delete(
        reference,
        options: DeleteOptions(dryRun: options.dryRun, waitUntilGone: !options.dryRun, timeout: options.timeout))
      return .deleted
    } catch {
      return .failed(error.message)
    }
  }

  /// Why the object is not ours alone to delete: its `app.kubernetes.io/managed-by` label now says
  /// something else than servestack applied, another manager applied it (server-side apply), or kubectl
  /// or Helm wrote it. nil when it is ours.
  static func foreignOwner(of live: KubeObject, applied: StoredObject, ours: String) -> String? {
    // A label the manifest itself carries (Istio's `Helm`) is ours; one changed or added since is not.
    // States written before the applied value was recorded (nil) ask the managedFields: while our own
    // apply still owns the label, its value is the one we applied (another writer takes the ownership).
    let label = StoredObject.managedByLabel
    if let manager = live.labels[label], manager.lowercased() != ours.lowercased(), manager != applied.managedBy,
      applied.managedBy != nil || !ownsLabel(label, of: live, manager: ours)
    {
      return "labelled \(label)=\(manager): not ours alone; delete it yourself if you mean to"
    }
    // Update entries of controllers (status, token secrets) do not make an object theirs; and 1.20 may
    // drop our Apply entry when a controller updates the object, so its absence proves nothing: the
    // object is in our state because we applied it.
    for entry in live[path: "metadata", "managedFields"]?.arrayValue ?? [] {
      let manager = entry["manager"]?.stringValue ?? ""
      let operation = entry["operation"]?.stringValue ?? ""
      if manager == ours { continue }
      if operation == "Apply" {
        return "also applied by \(manager) (server-side apply): not ours alone; delete it yourself if you mean to"
      }
      if manager.hasPrefix("kubectl") || manager.hasPrefix("helm") {
        return "also managed by \(manager) (\(operation)): not ours alone; delete it yourself if you mean to"
      }
    }
    return nil
  }
}
