public import ServestackCore

/// A phase ready to apply: its objects in manifest order with patches applied and parameters substituted,
/// and a digest that changes whenever what the phase would do changes.
public struct RenderedPhase: Sendable {
  public let spec: PhaseSpec
  public let parameters: PhaseParameters
  /// Manifest objects (in file and document order), then the phase's inline objects.
  public let objects: [JSONValue]
  public let manifests: [RenderedManifest]
  /// The webhook probes with parameters substituted.
  public let webhookProbes: [WebhookProbe]
  /// SHA-256 over the canonical JSON (sorted keys) of the objects, waits, timeout, probes, checks and steps.
  public let digest: Digest

  public var name: PhaseName { spec.name }
  public var profile: Profile { parameters.profile }

  /// The canonical document the digest is computed over.
  static func digestDocument(
    spec: PhaseSpec, objects: [JSONValue], probes: [WebhookProbe]
  ) -> JSONValue {
    [
      "name": .string(spec.name.rawValue),
      "kind": .string(spec.kind.rawValue),
      "objects": .array(objects),
      "wait": .array(spec.wait.map(\.json)),
      "timeoutNanoseconds": .int(Int(spec.timeout.nanoseconds)),
      "webhookProbes": .array(probes.map(\.json)),
      "checks": .array(spec.checks.map(\.json)),
      "steps": .array(spec.steps.map(\.json)),
    ]
  }
}

/// One manifest of a rendered phase.
public struct RenderedManifest: Sendable {
  public let source: ManifestSource
  public let digest: Digest
  public let origin: FetchedManifest.Origin
  /// The positions of its objects in ``RenderedPhase/objects``.
  public let objectRange: Range<Int>
}

extension PreflightCheck {
  var json: JSONValue {
    var object: JSONObject = ["name": .string(name), "severity": .string(severity.rawValue)]
    if !parameters.isEmpty { object["parameters"] = .object(parameters) }
    if let profiles { object["profiles"] = .array(profiles.sorted().map { .string($0.rawValue) }) }
    return .object(object)
  }
}
