import ServestackCore

/// Builds plans from phases. The offline plan needs no cluster: it renders every selected phase and
/// summarises what it would apply.
public enum PhasePlanner {
  /// Lists the images of a rendered phase (the Images module provides it; nil leaves images empty).
  public typealias ImageLister = @Sendable (RenderedPhase) -> [String]

  /// The offline plan of `phases` (already selected and ordered) for the parameters' profile.
  ///
  /// #### Errors
  /// ``PhaseError`` from rendering (fetching, pins, patches).
  public static func offlinePlan(
    _ phases: [PhaseSpec], parameters: PhaseParameters, fetcher: ManifestFetcher, images: ImageLister? = nil
  ) async throws(PhaseError) -> OfflinePlan {
    let install = phases.filter { $0.kind == .install }
    let rendered = try await PhaseRenderer(fetcher: fetcher, parameters: parameters).render(install)
    var byName: [PhaseName: RenderedPhase] = [:]
    for phase in rendered { byName[phase.name] = phase }
    let plans = phases.map { phase in
      plan(phase, rendered: byName[phase.name], images: images)
    }
    var offline = OfflinePlan(profile: parameters.profile, parameters: parameters, phases: plans)
    offline.warnings = WaitReference.unresolved(in: rendered).map { reference in
      let error = WaitReference.error([reference], cluster: false)
      return error?.description ?? reference.description
    }
    return offline
  }

  static func plan(_ phase: PhaseSpec, rendered: RenderedPhase?, images: ImageLister?) -> PhasePlan {
    let objects = rendered?.objects ?? []
    var byKind: [(kind: String, count: Int)] = []
    var namespaces = Set<String>()
    var crds: [String] = []
    var webhooks: [PhasePlan.Webhook] = []
    for object in objects {
      let kind = object["kind"]?.stringValue ?? "?"
      if let i = byKind.firstIndex(where: { $0.kind == kind }) {
        byKind[i].count += 1
      } else {
        byKind.append((kind, 1))
      }
      let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
      if let namespace = object[path: ["metadata", "namespace"]]?.stringValue, !namespace.isEmpty {
        namespaces.insert(namespace)
      }
      switch kind {
      case "Namespace": namespaces.insert(name)
      case "CustomResourceDefinition": crds.append(name)
      case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
        for hook in object["webhooks"]?.arrayValue ?? [] {
          let service = hook[path: ["clientConfig", "service"]].map {
            "\($0["namespace"]?.stringValue ?? "")/\($0["name"]?.stringValue ?? "")"
          }
          webhooks.append(
            PhasePlan.Webhook(
              configurationKind: kind, configuration: name, name: hook["name"]?.stringValue ?? "", service: service,
              failurePolicy: hook["failurePolicy"]?.stringValue))
        }
      default: break
      }
    }
    let manifests = (rendered?.manifests ?? []).map {
      PhasePlan.Manifest(
        reference: $0.source.reference, sha256: $0.digest, origin: $0.origin, objectCount: $0.objectRange.count)
    }
    return PhasePlan(
      name: phase.name, kind: phase.kind, file: phase.file, component: phase.component, manifests: manifests,
      objectCount: objects.count, objectsByKind: byKind, namespaces: namespaces.sorted(), crds: crds,
      webhooks: webhooks,
      waits: phase.wait, timeout: phase.timeout, images: rendered.flatMap { r in images?(r) } ?? [],
      digest: rendered?.digest, checks: phase.checks, stepCount: phase.steps.count)
  }
}
