public import Foundation
public import ServestackCore

/// Where one phase stands in the cluster.
public enum PhaseRunStatus: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case pending, running, succeeded, failed
  public var description: String { rawValue }
}

/// An object a phase applied, as the state remembers it (for uninstall and status).
///
/// Two values are the same object when apiVersion, kind, namespace and name agree: ``managedBy`` is what
/// was applied to it, not part of its identity.
public struct StoredObject: Hashable, Sendable, CustomStringConvertible {
  public static let managedByLabel = "app.kubernetes.io/managed-by"

  public var apiVersion: String
  public var kind: String
  public var namespace: String?
  public var name: String
  /// The `app.kubernetes.io/managed-by` label servestack applied: `""` when the object carried none, nil
  /// when unknown (states written before servestack recorded it). Upstream manifests carry their own
  /// (Istio's `Helm`, KServe's `kserve-controller-manager`); only a different live value is someone else's.
  public var managedBy: String?

  public init(apiVersion: String, kind: String, namespace: String?, name: String, managedBy: String? = nil) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
    self.name = name
    self.managedBy = managedBy
  }

  public static func == (a: StoredObject, b: StoredObject) -> Bool {
    a.apiVersion == b.apiVersion && a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(apiVersion)
    hasher.combine(kind)
    hasher.combine(namespace)
    hasher.combine(name)
  }

  /// `apiVersion|kind|namespace|name|managedBy`, one string per object in the ConfigMap (label values
  /// cannot hold `|`); older states have no fifth part.
  var text: String {
    let identity = "\(apiVersion)|\(kind)|\(namespace ?? "")|\(name)"
    return managedBy.map { "\(identity)|\($0)" } ?? identity
  }

  init?(text: String) {
    let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 4 || parts.count == 5, !parts[0].isEmpty, !parts[1].isEmpty, !parts[3].isEmpty else {
      return nil
    }
    self.init(
      apiVersion: parts[0], kind: parts[1], namespace: parts[2], name: parts[3],
      managedBy: parts.count == 5 ? parts[4] : nil)
  }

  public var description: String {
    "\(kind.lowercased()) \(namespace.map { "\($0)/" } ?? "")\(name)"
  }
}

/// One phase's record: status, what it applied (digest, objects), when and why.
public struct PhaseRecord: Sendable, Equatable {
  public var status: PhaseRunStatus
  /// The digest of the rendered phase last started (and, when succeeded, applied).
  public var digest: Digest?
  public var component: String?
  public var version: String?
  public var startedAt: Date?
  public var finishedAt: Date?
  /// Why it failed, or a note (`verified`).
  public var message: String?
  /// How many times the phase was started.
  public var attempts: Int
  public var objects: [StoredObject]

  public init(
    status: PhaseRunStatus = .pending, digest: Digest? = nil, component: String? = nil, version: String? = nil,
    startedAt: Date? = nil, finishedAt: Date? = nil, message: String? = nil, attempts: Int = 0,
    objects: [StoredObject] = []
  ) {
    self.status = status
    self.digest = digest
    self.component = component
    self.version = version
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.message = message
    self.attempts = attempts
    self.objects = objects
  }
}

/// The install's state machine, as a value: per phase pending → running → succeeded | failed, and the
/// decision for each phase of a new run (apply, or verify what an earlier run applied).
///
/// A phase may be started from any state (a new install, a retry after a failure, a resume after a kill
/// that left it `running`, a re-apply after its digest changed); it can only finish from `running`; only a
/// succeeded phase can be verified. The store persists it in the `servestack-state` ConfigMap after every
/// transition.
public struct InstallState: Sendable, Equatable {
  /// Why a phase is applied.
  public enum ApplyReason: Sendable, Equatable, CustomStringConvertible {
    /// No earlier run started it.
    case notInstalled
    /// It succeeded before with other objects, waits or timeout.
    case digestChanged(from: Digest?)
    /// The last run failed in it.
    case previousFailure(String?)
    /// The last run was stopped (killed) while it ran.
    case interrupted
    /// `--from` / `--only` asked for it.
    case forced
    /// It succeeded before with the same digest, but its waits no longer hold.
    case verificationFailed(String)

    public var description: String {
      switch self {
      case .notInstalled: "not installed yet"
      case .digestChanged(let from): "its manifests changed since \(from?.short ?? "the last install")"
      case .previousFailure(let message): "the last run failed here\(message.map { ": \($0)" } ?? "")"
      case .interrupted: "the last run was interrupted here"
      case .forced: "asked for with --from/--only"
      case .verificationFailed(let why): "installed, but \(why)"
      }
    }
  }

  public enum Decision: Sendable, Equatable {
    case apply(ApplyReason)
    /// Succeeded before with the same digest: re-check its waits, apply nothing.
    case verify
  }

  public var profile: Profile?
  public var parameters: [String: String]
  /// The stack set installed and its component versions (for `upgrade plan`); nil for a phase set
  /// without a version catalog.
  public var stack: StackSelection?
  /// The last `servestack upgrade apply` (nil: never upgraded).
  public var upgrade: UpgradeRecord?
  public var updatedAt: Date?
  public private(set) var records: [PhaseName: PhaseRecord]

  public init(profile: Profile? = nil, parameters: [String: String] = [:], records: [PhaseName: PhaseRecord] = [:]) {
    self.profile = profile
    self.parameters = parameters
    self.records = records
  }

  public subscript(name: PhaseName) -> PhaseRecord? { records[name] }

  /// What a run does with `phase` whose rendering now has `digest`.
  public func decision(for phase: PhaseName, digest: Digest, forced: Bool = false) -> Decision {
    if forced { return .apply(.forced) }
    guard let record = records[phase] else { return .apply(.notInstalled) }
    switch record.status {
    case .pending: return .apply(.notInstalled)
    case .running: return .apply(.interrupted)
    case .failed: return .apply(.previousFailure(record.message))
    case .succeeded: return record.digest == digest ? .verify : .apply(.digestChanged(from: record.digest))
    }
  }

  /// The first phase of `order` that has not succeeded: where a resumed install starts applying.
  public func resumePoint(in order: [PhaseName]) -> PhaseName? {
    order.first { records[$0]?.status != .succeeded }
  }

  /// `phase` starts (from any state).
  public mutating func begin(_ phase: PhaseName, digest: Digest, component: PhaseComponent?, at time: Date) {
    var record = records[phase] ?? PhaseRecord()
    record.status = .running
    record.digest = digest
    record.component = component?.name
    record.version = component?.version
    record.startedAt = time
    record.finishedAt = nil
    record.message = nil
    record.attempts += 1
    records[phase] = record
    updatedAt = time
  }

  /// `phase` finished with everything applied and every wait satisfied.
  ///
  /// #### Errors
  /// ``PhaseError`` `state` unless the phase is running.
  public mutating func succeed(_ phase: PhaseName, objects: [StoredObject], at time: Date) throws(PhaseError) {
    var record = try running(phase, to: .succeeded)
    record.status = .succeeded
    record.finishedAt = time
    record.objects = objects
    records[phase] = record
    updatedAt = time
  }

  /// `phase` failed: an apply or a wait did not succeed. The objects it applied are kept for uninstall.
  ///
  /// #### Errors
  /// ``PhaseError`` `state` unless the phase is running.
  public mutating func fail(_ phase: PhaseName, message: String, objects: [StoredObject], at time: Date)
    throws(PhaseError)
  {
    var record = try running(phase, to: .failed)
    record.status = .failed
    record.finishedAt = time
    record.message = message
    record.objects = Self.union(record.objects, objects)
    records[phase] = record
    updatedAt = time
  }

  /// A succeeded phase was verified (its waits hold): it stays succeeded, nothing else changes.
  ///
  /// #### Errors
  /// ``PhaseError`` `state` unless the phase has succeeded.
  public mutating func verified(_ phase: PhaseName, at time: Date) throws(PhaseError) {
    guard records[phase]?.status == .succeeded else {
      throw PhaseError(
        .state,
        "phase \(phase) cannot be verified: it is \(records[phase]?.status.rawValue ?? "pending"), not succeeded")
    }
    records[phase]?.message = nil
    updatedAt = time
  }

  /// `phase` was uninstalled: back to pending, with no objects.
  public mutating func remove(_ phase: PhaseName, at time: Date) {
    records[phase] = nil
    updatedAt = time
  }

  /// `phase` was partly uninstalled: its objects are now `objects` (those still there: kept or not
  /// deleted), so that a later uninstall still sees them. It is no longer installed: pending, no digest.
  public mutating func keep(_ phase: PhaseName, objects: [StoredObject], message: String, at time: Date) {
    guard var record = records[phase] else { return }
    record.status = .pending
    record.digest = nil
    record.objects = objects
    record.message = message
    records[phase] = record
    updatedAt = time
  }

  private func running(_ phase: PhaseName, to target: PhaseRunStatus) throws(PhaseError) -> PhaseRecord {
    guard let record = records[phase], record.status == .running else {
      throw PhaseError(
        .state,
        "phase \(phase) cannot become \(target): it is \(records[phase]?.status.rawValue ?? "pending"), not running")
    }
    return record
  }

  static func union(_ a: [StoredObject], _ b: [StoredObject]) -> [StoredObject] {
    var seen = Set(a)
    return a + b.filter { seen.insert($0).inserted }
  }
}
