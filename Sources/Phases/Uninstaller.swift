import Foundation
public import Kubernetes
public import ServestackCore

/// Options of `servestack uninstall`.
public struct UninstallOptions: Sendable {
  /// The phase set, for the order (reverse install order of the installed profile).
  public var phaseSet: PhaseSet
  /// Also delete the CRDs the phases installed (and with them every custom resource of their kinds).
  public var deleteCRDs: Bool
  /// Say what would be deleted and skipped; delete nothing.
  public var dryRun: Bool
  /// How long to wait for each object to be gone.
  public var timeout: Duration
  public var stateNamespace: String
  public var leaseDuration: Duration
  /// Our field manager: objects applied by any other manager, or touched by kubectl or Helm, are kept.
  public var fieldManager: String

  public init(
    phaseSet: PhaseSet, deleteCRDs: Bool = false, dryRun: Bool = false, timeout: Duration = .seconds(300),
    stateNamespace: String = InstallOptions.defaultStateNamespace, leaseDuration: Duration = .seconds(30),
    fieldManager: String = "servestack"
  ) {
    self.phaseSet = phaseSet
    self.deleteCRDs = deleteCRDs
    self.dryRun = dryRun
    self.timeout = timeout
    self.stateNamespace = stateNamespace
    self.leaseDuration = leaseDuration
    self.fieldManager = fieldManager
  }
}

/// What uninstall did, per phase (CRDs and Namespaces are reported under the phase that applied them).
public struct UninstallResult: Sendable {
  public struct Removal: Sendable {
    public var phase: String
    public var deleted: [String] = []
    /// Objects left alone, with why (another manager owns them, CRDs without `--delete-crds`).
    public var kept: [(object: String, reason: String)] = []
    public var failed: [(object: String, message: String)] = []
    public var duration: Duration = .zero

    public var json: JSONValue {
      [
        "phase": .string(phase), "deleted": .array(deleted.map { .string($0) }),
        "kept": .array(kept.map { ["object": .string($0.object), "reason": .string($0.reason)] }),
        "failed": .array(failed.map { ["object": .string($0.object), "message": .string($0.message)] }),
        "seconds": .double(duration.seconds),
      ]
    }
  }

  public var dryRun: Bool
  public var removals: [Removal]
  public var duration: Duration
  public var warnings: [String]

  public var succeeded: Bool { removals.allSatisfy { $0.failed.isEmpty } }
  public var nothingInstalled: Bool { removals.isEmpty }

  public var json: JSONValue {
    [
      "dryRun": .bool(dryRun), "succeeded": .bool(succeeded), "seconds": .double(duration.seconds),
      "phases": .array(removals.map(\.json)), "warnings": .array(warnings.map { .string($0) }),
    ]
  }
}

/// `servestack uninstall`: deletes what the recorded phases applied, in reverse phase order, waiting until
/// each object is gone; CRDs only when asked, Namespaces last; never what another manager owns.
public struct Uninstaller: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// #### Errors
  /// ``PhaseError``: `cluster` (unreachable, the state unreadable), `lockHeld` (an install runs).
  public func run(_ options: UninstallOptions, events: @escaping EngineEventSink = { _ in }) async throws(PhaseError) -> UninstallResult {
    let started = ContinuousClock.now
    let store = InstallStateStore(client: client, namespace: options.stateNamespace)
    var state = try await store.load()
    guard !state.records.isEmpty else {
      return UninstallResult(dryRun: options.dryRun, removals: [], duration: .now - started, warnings: [])
    }
    var warnings: [String] = []
    var lock: InstallLock?
    if !options.dryRun {
      let (taken, warning) = try await InstallLock.acquire(client: client, namespace: options.stateNamespace, duration: options.leaseDuration)
      lock = taken
      if let warning {
        warnings.append(warning)
        events(.warning(warning))
      }
    }
    do throws(PhaseError) {
      let removals = try await remove(&state, store: store, options: options, events: events)
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

  private func remove(
    _ state: inout InstallState, store: InstallStateStore, options: UninstallOptions, events: EngineEventSink
  ) async throws(PhaseError) -> [UninstallResult.Removal] {
    let order = Self.order(state, set: options.phaseSet)
    var removals: [UninstallResult.Removal] = []
    var crds: [(phase: Int, object: StoredObject)] = []
    var namespaces: [(phase: Int, object: StoredObject)] = []
    // Namespaces holding objects we keep are kept too: deleting them would delete those objects.
    var keptIn: [String: [String]] = [:]
    for (index, name) in order.enumerated() {
      let phaseStart = ContinuousClock.now
      events(.phaseStarted(name: name, index: index + 1, total: order.count, action: options.dryRun ? "dry run: uninstall" : "uninstalling"))
      var removal = UninstallResult.Removal(phase: name.rawValue)
      let objects = state[name]?.objects ?? []
      var rest: [StoredObject] = []
      for object in objects.reversed() {
        if object.kind == "Namespace" && object.apiVersion == "v1" {
          namespaces.append((removals.count, object))
        } else if object.kind == "CustomResourceDefinition" {
          if options.deleteCRDs {
            crds.append((removals.count, object))
          } else if await Self.exists(object, client: client) {
            removal.kept.append((object.description, "CRDs are kept without --delete-crds"))
          }
        } else {
          rest.append(object)
        }
      }
      let outcomes = await deleteAll(rest, options: options)
      for (object, outcome) in zip(rest, outcomes) {
        if case .kept = outcome, let namespace = object.namespace { keptIn[namespace, default: []].append(object.description) }
      }
      apply(outcomes, to: &removal)
      removal.duration = .now - phaseStart
      removals.append(removal)
      if !options.dryRun {
        if removal.failed.isEmpty {
          state.remove(name, at: Date())
        } else {
          let left = Set(removal.failed.map(\.object))
          state.keep(
            name, objects: objects.filter { left.contains($0.description) }, message: "uninstall failed for \(left.count) object(s)",
            at: Date())
        }
        try await store.save(state)
      }
      let reason = "\(removal.deleted.count) deleted, \(removal.kept.count) kept, \(removal.failed.count) failed"
      events(.phaseFinished(PhaseResult(name: name, outcome: removal.failed.isEmpty ? .succeeded : .failed, reason: reason,
        objects: ObjectCounts(created: 0, configured: removal.deleted.count, unchanged: removal.kept.count,
          failures: removal.failed.map { ObjectCounts.Failure(object: $0.object, message: $0.message) }),
        duration: removal.duration)))
    }
    // CRDs (their custom resources go with them), then Namespaces, last.
    let deletable = namespaces.filter { item in
      guard !Self.protectedNamespaces.contains(item.object.name), item.object.name != options.stateNamespace else { return false }
      guard let held = keptIn[item.object.name] else { return true }
      removals[item.phase].kept.append((item.object.description, "it holds objects kept above (\(held.joined(separator: ", ")))"))
      return false
    }
    for group in [crds, deletable] {
      let outcomes = await deleteAll(group.map(\.object), options: options)
      for (item, outcome) in zip(group, outcomes) { apply([outcome], to: &removals[item.phase]) }
    }
    return removals
  }

  static let protectedNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]

  enum Outcome: Sendable {
    case deleted(String)
    /// Not there (never created, or already deleted): nothing to count.
    case absent
    case kept(String, String)
    case failed(String, String)
  }

  /// Whether the object is there; an error reading it counts as there (it is then reported, not hidden).
  static func exists(_ object: StoredObject, client: KubeClient) async -> Bool {
    guard let gvk = try? GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind) else { return true }
    do {
      return try await client.getIfExists(ObjectReference(gvk, namespace: object.namespace, name: object.name)) != nil
    } catch {
      return error.code != .unknownKind
    }
  }

  private func apply(_ outcomes: [Outcome], to removal: inout UninstallResult.Removal) {
    for outcome in outcomes {
      switch outcome {
      case .deleted(let object): removal.deleted.append(object)
      case .absent: break
      case .kept(let object, let reason): removal.kept.append((object, reason))
      case .failed(let object, let message): removal.failed.append((object, message))
      }
    }
  }

  /// Deletes objects concurrently (8 at a time), each waited for until gone.
  private func deleteAll(_ objects: [StoredObject], options: UninstallOptions) async -> [Outcome] {
    let client = self.client
    return await withTaskGroup(of: (Int, Outcome).self) { group in
      var next = 0
      func start() {
        guard next < objects.count else { return }
        let index = next
        next += 1
        group.addTask { (index, await Self.delete(objects[index], client: client, options: options)) }
      }
      for _ in 0..<8 { start() }
      var outcomes = [Outcome?](repeating: nil, count: objects.count)
      while let (index, outcome) = await group.next() {
        outcomes[index] = outcome
        start()
      }
      return outcomes.compactMap { $0 }
    }
  }

  private static func delete(_ object: StoredObject, client: KubeClient, options: UninstallOptions) async -> Outcome {
    let name = object.description
    do throws(KubeError) {
      let gvk = try GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind)
      let reference = ObjectReference(gvk, namespace: object.namespace, name: object.name)
      let live: KubeObject?
      do {
        live = try await client.getIfExists(reference)
      } catch where error.code == .unknownKind {
        return .absent  // its CRD is gone, and with it every object of the kind
      }
      guard let live else { return .absent }
      if let owner = foreignOwner(of: live, ours: options.fieldManager) {
        return .kept(name, owner)
      }
      _ = try await client.delete(
        reference, options: DeleteOptions(dryRun: options.dryRun, waitUntilGone: !options.dryRun, timeout: options.timeout))
      return .deleted(name)
    } catch {
      return .failed(name, error.message)
    }
  }

  /// Why the object is not ours alone to delete: labelled as managed by someone else, another manager
  /// applied it (server-side apply), or kubectl or Helm wrote it. nil when it is ours.
  static func foreignOwner(of object: KubeObject, ours: String) -> String? {
    // A managed-by label naming someone else (Helm, an operator) wins over managedFields.
    if let manager = object.labels["app.kubernetes.io/managed-by"], manager.lowercased() != ours.lowercased() {
      return "labelled app.kubernetes.io/managed-by=\(manager): not ours alone; delete it yourself if you mean to"
    }
    // Update entries of controllers (status, token secrets) do not make an object theirs; and 1.20 may
    // drop our Apply entry when a controller updates the object, so its absence proves nothing: the
    // object is in our state because we applied it.
    for entry in object[path: "metadata", "managedFields"]?.arrayValue ?? [] {
      let manager = entry["manager"]?.stringValue ?? ""
      let operation = entry["operation"]?.stringValue ?? ""
      if manager == ours { continue }
      if operation == "Apply" { return "also applied by \(manager) (server-side apply): not ours alone; delete it yourself if you mean to" }
      if manager.hasPrefix("kubectl") || manager.hasPrefix("helm") {
        return "also managed by \(manager) (\(operation)): not ours alone; delete it yourself if you mean to"
      }
    }
    return nil
  }
}
