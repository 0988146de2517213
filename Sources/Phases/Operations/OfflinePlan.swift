public import ServestackCore

/// What `install` would do, known without a cluster: per phase, its component, manifests, objects,
/// namespaces, CRDs, webhooks and waits.
public struct OfflinePlan: Sendable {
  public let profile: Profile
  public let parameters: PhaseParameters
  public let phases: [PhasePlan]
  /// Waits and webhook probes naming an object no phase creates, with file and line: install refuses
  /// them unless the cluster already has the object (which an offline plan cannot know).
  public var warnings: [String] = []

  /// The plan as JSON, for `plan -o json`.
  public var json: JSONValue {
    [
      "profile": .string(profile.rawValue),
      "parameters": .object(
        JSONObject(
          uniqueKeysWithValues: parameters.values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
      "phases": .array(phases.map(\.json)),
      "warnings": .array(warnings.map { .string($0) }),
    ]
  }
}

/// One phase of an ``OfflinePlan``.
public struct PhasePlan: Sendable {
  public struct Manifest: Sendable {
    /// The URL or path as written in the phase file.
    public let reference: String
    public let sha256: Digest
    public let origin: FetchedManifest.Origin
    public let objectCount: Int
  }

  /// A webhook the phase installs: which configuration, and the Service that answers it.
  public struct Webhook: Sendable, Hashable {
    /// `ValidatingWebhookConfiguration` or `MutatingWebhookConfiguration`.
    public let configurationKind: String
    public let configuration: String
    public let name: String
    /// `namespace/name` of the Service, nil for a URL webhook.
    public let service: String?
    public let failurePolicy: String?
  }

  public let name: PhaseName
  public let kind: PhaseKind
  public let file: String
  public let component: PhaseComponent?
  public let manifests: [Manifest]
  public let objectCount: Int
  /// Objects per kind, in first-seen order.
  public let objectsByKind: [(kind: String, count: Int)]
  /// Namespaces the phase creates or puts objects in, sorted.
  public let namespaces: [String]
  /// Names of the CRDs the phase installs.
  public let crds: [String]
  public let webhooks: [Webhook]
  public let waits: [PhaseWait]
  public let timeout: GoDuration
  /// Image references, filled by the hook given to the planner (the Images module); empty otherwise.
  public let images: [String]
  /// Nil for preflight and test phases, which apply nothing.
  public let digest: Digest?
  public let checks: [PreflightCheck]
  public let stepCount: Int

  public var json: JSONValue {
    var object: JSONObject = [
      "name": .string(name.rawValue), "kind": .string(kind.rawValue), "file": .string(file),
    ]
    if let component {
      object["component"] = ["name": .string(component.name), "version": .string(component.version)]
    }
    object["manifests"] = .array(
      manifests.map {
        ["reference": .string($0.reference), "sha256": .string($0.sha256.hex), "objects": .int($0.objectCount)]
      })
    object["objectCount"] = .int(objectCount)
    object["objectsByKind"] = .object(JSONObject(uniqueKeysWithValues: objectsByKind.map { ($0.kind, .int($0.count)) }))
    object["namespaces"] = .array(namespaces.map { .string($0) })
    object["crds"] = .array(crds.map { .string($0) })
    object["webhooks"] = .array(
      webhooks.map {
        var w: JSONObject = [
          "configurationKind": .string($0.configurationKind), "configuration": .string($0.configuration),
          "name": .string($0.name),
        ]
        if let service = $0.service { w["service"] = .string(service) }
        if let policy = $0.failurePolicy { w["failurePolicy"] = .string(policy) }
        return .object(w)
      })
    object["wait"] = .array(waits.map(\.json))
    object["timeout"] = .string(timeout.text)
    object["images"] = .array(images.map { .string($0) })
    if let digest { object["digest"] = .string(digest.description) }
    if kind == .preflight { object["checks"] = .array(checks.map(\.json)) }
    if kind == .test { object["steps"] = .int(stepCount) }
    return .object(object)
  }
}
