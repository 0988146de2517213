import Foundation
public import Kubernetes
public import ServestackCore

/// `servestack status`: what is installed (from the state ConfigMap and the live CRDs), each phase's state,
/// and the health of every workload and webhook the installed phases applied.
public struct StatusReport: Sendable {
  public struct Component: Sendable {
    public var name: String
    /// The version the state records.
    public var version: String
    /// The version the cluster shows (CRD version labels, else the controllers' image tags); nil unknown.
    public var live: String?
    public var phase: String
  }

  public struct Phase: Sendable {
    public var name: String
    public var record: PhaseRecord
  }

  public struct Health: Sendable {
    /// `deployment kserve/kserve-controller-manager`, `webhook "x" (…)`.
    public var object: String
    public var phase: String
    public var healthy: Bool
    /// `1/1 available`, `serving: answered a dry-run create …`, `missing`.
    public var state: String
  }

  public var installed: Bool
  public var profile: Profile?
  public var parameters: [String: String]
  public var components: [Component]
  public var phases: [Phase]
  public var workloads: [Health]
  public var webhooks: [Health]

  /// Every recorded phase succeeded and every workload and webhook is healthy.
  public var healthy: Bool {
    installed && phases.allSatisfy { $0.record.status == .succeeded } && workloads.allSatisfy(\.healthy)
      && webhooks.allSatisfy(\.healthy)
  }

  public var json: JSONValue {
    var object: JSONObject = ["installed": .bool(installed), "healthy": .bool(healthy)]
    if let profile { object["profile"] = .string(profile.rawValue) }
    object["parameters"] = .object(
      JSONObject(uniqueKeysWithValues: parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
    object["components"] = .array(
      components.map { component in
        var entry: JSONObject = [
          "name": .string(component.name), "version": .string(component.version), "phase": .string(component.phase),
        ]
        if let live = component.live { entry["liveVersion"] = .string(live) }
        return .object(entry)
      })
    object["phases"] = .array(
      phases.map { phase in
        var entry = phase.record.json.objectValue ?? [:]
        entry.removeValue(forKey: "objects")
        entry["objectCount"] = .int(phase.record.objects.count)
        entry.updateValue(.string(phase.name), forKey: "name", insertingAt: 0)
        return .object(entry)
      })
    func health(_ items: [Health]) -> JSONValue {
      .array(
        items.map {
          [
            "object": .string($0.object), "phase": .string($0.phase), "healthy": .bool($0.healthy),
            "state": .string($0.state),
          ]
        })
    }
    object["workloads"] = health(workloads)
    object["webhooks"] = health(webhooks)
    return .object(object)
  }
}

public struct StatusReporter: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// Reads the state and checks the health of what it records.
  ///
  /// - Parameter phaseSet: for the phase order and the webhook probes.
  ///
  /// #### Errors
  /// ``PhaseError`` `cluster` or `state`.
  public func run(phaseSet: PhaseSet, stateNamespace: String = InstallOptions.defaultStateNamespace)
    async throws(PhaseError) -> StatusReport
  {
    let state = try await InstallStateStore(client: client, namespace: stateNamespace).load()
    let profile = state.profile ?? .serverless
    let order = phaseSet.selection(profile: profile, kinds: [.install]).map(\.name)
    let names = order.filter { state[$0] != nil } + state.records.keys.filter { !order.contains($0) }.sorted()
    var report = StatusReport(
      installed: !state.records.isEmpty, profile: state.profile, parameters: state.parameters, components: [],
      phases: names.compactMap { name in state[name].map { StatusReport.Phase(name: name.rawValue, record: $0) } },
      workloads: [], webhooks: [])
    let parameters =
      (try? PhaseParameters(profile: profile, overrides: state.parameters.filter { $0.key != "profile" }))
    let crds =
      (try? await client.list(
        GroupVersionKind.customResourceDefinition, namespace: nil, options: ListOptions(metadataOnly: true)
      ).items) ?? []

    await withTaskGroup(of: (Int, [StatusReport.Health], [StatusReport.Health], StatusReport.Component?).self) {
      group in
      for (index, name) in names.enumerated() {
        guard let record = state[name] else { continue }
        let spec = phaseSet[name]
        group.addTask {
          async let workloads = self.workloadHealth(record.objects, phase: name.rawValue)
          async let webhooks = self.webhookHealth(
            record.objects, phase: name.rawValue, spec: spec, parameters: parameters)
          async let component = self.component(record, phase: name.rawValue, spec: spec, crds: crds)
          return await (index, workloads, webhooks, component)
        }
      }
      var collected: [(Int, [StatusReport.Health], [StatusReport.Health], StatusReport.Component?)] = []
      for await item in group { collected.append(item) }
      for (_, workloads, webhooks, component) in collected.sorted(by: { $0.0 < $1.0 }) {
        report.workloads += workloads
        report.webhooks += webhooks
        if let component { report.components.append(component) }
      }
    }
    return report
  }

  func workloadHealth(_ objects: [StoredObject], phase: String) async -> [StatusReport.Health] {
    var health: [StatusReport.Health] = []
    for object in objects {
      guard let gvk = try? GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind),
        KnownKinds.isWorkload(gvk)
      else { continue }
      let reference = ObjectReference(gvk, namespace: object.namespace, name: object.name)
      let condition: Kubernetes.WaitCondition = gvk.kind == "Job" ? .jobComplete : .rolledOut
      do throws(KubeError) {
        guard let live = try await client.getIfExists(reference) else {
          health.append(
            StatusReport.Health(object: reference.description, phase: phase, healthy: false, state: "missing"))
          continue
        }
        let state = condition.evaluate(live)
        var text = state.text
        var healthy = false
        if case .satisfied = state { healthy = true }
        if !healthy {
          let diagnosis = await WorkloadDiagnoser(client: client).diagnose(reference)
          if !diagnosis.findings.isEmpty { text += "; " + diagnosis.details }
        }
        health.append(StatusReport.Health(object: reference.description, phase: phase, healthy: healthy, state: text))
      } catch {
        health.append(
          StatusReport.Health(object: reference.description, phase: phase, healthy: false, state: error.message))
      }
    }
    return health
  }

  func webhookHealth(_ objects: [StoredObject], phase: String, spec: PhaseSpec?, parameters: PhaseParameters?) async
    -> [StatusReport.Health]
  {
    let probes = (spec?.webhookProbes ?? []).map { probe in
      parameters.map { WebhookProbe(webhook: $0.substitute(probe.webhook), object: $0.substitute(probe.object)) }
        ?? probe
    }
    let serving = WebhookServing(
      client: client, resolver: ResourceResolver(objects: [], client: client), probes: probes)
    var health: [StatusReport.Health] = []
    for object in objects where KnownKinds.webhookConfigurationKinds.contains(object.kind) {
      let gvk =
        object.kind == "MutatingWebhookConfiguration" ? KnownKinds.mutatingWebhooks : KnownKinds.validatingWebhooks
      guard let live = try? await client.getIfExists(ObjectReference(gvk, name: object.name)) else {
        health.append(
          StatusReport.Health(object: "\(object.kind) \(object.name)", phase: phase, healthy: false, state: "missing"))
        continue
      }
      for hook in WebhookDefinition.webhooks(of: live.json) {
        let look = await serving.look(hook, probe: await serving.probeObject(for: hook))
        switch look {
        case .serving(let how):
          health.append(StatusReport.Health(object: hook.description, phase: phase, healthy: true, state: how))
        case .notServing(let why):
          health.append(StatusReport.Health(object: hook.description, phase: phase, healthy: false, state: why))
        }
      }
    }
    return health
  }

  func component(_ record: PhaseRecord, phase: String, spec: PhaseSpec?, crds: [KubeObject]) async -> StatusReport
    .Component?
  {
    guard let name = record.component ?? spec?.component?.name, let version = record.version ?? spec?.component?.version
    else { return nil }
    var live: String?
    if let ownership = spec?.component?.crds {
      if let label = ownership.versionLabel {
        let versions = Set(
          crds.filter { ownership.groups.contains(PreflightContext.group(ofCRDNamed: $0.name ?? "")) }.compactMap {
            $0.labels[label]
          })
        live = versions.isEmpty ? nil : versions.sorted().joined(separator: ",")
      }
    }
    if live == nil {
      let workloads = record.objects.filter { $0.kind == "Deployment" }.compactMap { object -> ObjectReference? in
        guard let gvk = try? GroupVersionKind(apiVersion: object.apiVersion, kind: object.kind) else { return nil }
        return ObjectReference(gvk, namespace: object.namespace, name: object.name)
      }
      live = await PreflightContext.imageTagVersion(of: workloads, client: client)
    }
    return StatusReport.Component(name: name, version: version, live: live, phase: phase)
  }
}
