import ServestackCore

/// Options of ``KubeClient/applyMany(_:options:)``.
public struct ApplyManyOptions: Sendable {
  /// The namespace of namespaced objects that name none; nil uses the client's.
  public var defaultNamespace: String?
  /// Requests in flight at once (all multiplexed on one HTTP/2 connection).
  public var concurrency: Int
  /// Take over conflicting fields from other managers.
  public var force: Bool
  /// Server-side dry run: nothing is stored, outcomes say what would happen.
  public var dryRun: Bool
  /// nil uses the client's field manager.
  public var fieldManager: String?
  /// How long to wait for the CRDs of the set to be Established before applying the rest.
  public var establishTimeout: Duration
  /// Called as each object's outcome is known (from several tasks at once; keep it quick).
  public var progress: (@Sendable (ObjectApplyResult) -> Void)?
  /// Keep whole objects in ``ObjectApplyResult/object``. Off by default: the apiserver is then asked for
  /// metadata only (names, resourceVersions, managedFields), which saves it serializing every object.
  /// Dry runs and CRDs always get whole objects.
  public var returnFullObjects: Bool
  /// Report an object `unchanged` without sending its PATCH when its live state proves the apply would
  /// change nothing (see the `servestack.io/applied-digest` annotation each applied object then carries).
  /// Off: every object is PATCHed, and the configurations carry no such annotation.
  public var skipUnchanged: Bool

  public init(
    defaultNamespace: String? = nil, concurrency: Int = 16, force: Bool = false, dryRun: Bool = false,
    fieldManager: String? = nil, establishTimeout: Duration = .seconds(60),
    progress: (@Sendable (ObjectApplyResult) -> Void)? = nil, returnFullObjects: Bool = false,
    skipUnchanged: Bool = true
  ) {
    self.returnFullObjects = returnFullObjects
    self.skipUnchanged = skipUnchanged
    self.defaultNamespace = defaultNamespace
    self.concurrency = concurrency
    self.force = force
    self.dryRun = dryRun
    self.fieldManager = fieldManager
    self.establishTimeout = establishTimeout
    self.progress = progress
  }
}

/// What applying one object did.
public enum ApplyOutcome: Sendable, CustomStringConvertible {
  /// It did not exist before.
  case created
  /// It existed and the apply changed it (its resourceVersion moved).
  case configured
  /// It existed and the apply changed nothing (the apiserver did not write it, or its live state proved
  /// that it would not and no request was sent).
  case unchanged
  case failed(KubeError)

  public var error: KubeError? {
    if case .failed(let error) = self { return error }
    return nil
  }

  /// `created`, `configured`, `unchanged`, `failed`, as kubectl prints them.
  public var label: String {
    switch self {
    case .created: "created"
    case .configured: "configured"
    case .unchanged: "unchanged"
    case .failed: "failed"
    }
  }

  public var description: String { error.map { "failed: \($0.message)" } ?? label }
}

/// One object's result.
public struct ObjectApplyResult: Sendable, CustomStringConvertible {
  /// Its position in the input.
  public var index: Int
  /// nil when the object had no valid kind or name.
  public var reference: ObjectReference?
  public var outcome: ApplyOutcome
  /// The object as the server returned it: metadata only unless ``ApplyManyOptions/returnFullObjects``.
  public var object: KubeObject?

  /// `deployment kserve/x configured`.
  public var description: String { "\(reference?.description ?? "object #\(index + 1)") \(outcome)" }
}

/// The results of ``KubeClient/applyMany(_:options:)``, in input order, with counts.
public struct ApplyManyResult: Sendable, CustomStringConvertible {
  public var results: [ObjectApplyResult]
  /// CRDs that did not become Established in time (their custom resources then fail as unknown kinds).
  public var establishFailures: [WaitResult]
  public var elapsed: Duration
  /// HTTP requests the whole operation sent (discovery, prior state, applies, waits).
  public var requests: Int

  public var created: Int { results.count { if case .created = $0.outcome { true } else { false } } }
  public var configured: Int { results.count { if case .configured = $0.outcome { true } else { false } } }
  public var unchanged: Int { results.count { if case .unchanged = $0.outcome { true } else { false } } }
  public var failures: [ObjectApplyResult] { results.filter { $0.outcome.error != nil } }
  public var succeeded: Bool { failures.isEmpty && establishFailures.isEmpty }

  /// `120 objects: 100 created, 15 configured, 3 unchanged, 2 failed in 1.2s`.
  public var description: String {
    "\(results.count) objects: \(created) created, \(configured) configured, \(unchanged) unchanged, "
      + "\(failures.count) failed in \(Waiter.format(elapsed))"
  }
}
