import Kubernetes
import ServestackCore
import YAML

/// An object a phase's `wait:` or `webhookProbes:` names by name: a condition's object, an endpoints
/// wait's Service, a probe's webhook. One that no phase creates and the cluster does not have can never
/// appear, and its wait would only end at the phase's timeout (minutes later, after everything was
/// applied), so the install refuses it up front, naming the file and line.
struct WaitReference: Sendable, CustomStringConvertible {
  enum Target: Sendable {
    /// `apiVersion` nil: the condition gave none (the kind is then found among the phase's objects).
    case object(apiVersion: String?, kind: String, namespace: String?, name: String)
    case webhook(String)
  }

  let target: Target
  let phase: PhaseName
  /// Where it is written: `wait[3]`, `webhookProbes[1].webhook`.
  let location: FileLocation

  var description: String {
    switch target {
    case .object(_, let kind, let namespace, let name):
      "\(kind.lowercased()) \(namespace.map { "\($0)/" } ?? "")\(name)"
    case .webhook(let name): "webhook \"\(name)\""
    }
  }

  /// The references of `phases` (rendered, in install order) that neither the phase naming them nor an
  /// earlier one of `phases` creates.
  static func unresolved(in phases: [RenderedPhase]) -> [WaitReference] {
    var objects: [KubeObject] = []
    var webhooks = Set<String>()
    var unresolved: [WaitReference] = []
    for phase in phases {
      objects += phase.objects.map(KubeObject.init)
      for object in phase.objects { webhooks.formUnion(WebhookDefinition.webhooks(of: object).map(\.name)) }
      for reference in references(of: phase) {
        switch reference.target {
        case .object(let apiVersion, let kind, let namespace, let name):
          let group = apiVersion.map(Self.group(of:))
          let created = objects.contains { object in
            object.kind == kind && object.name == name
              && (namespace == nil || object.namespace == nil || object.namespace == namespace)
              && (group == nil || object.apiVersion.map(Self.group(of:)) == group)
          }
          if !created { unresolved.append(reference) }
        case .webhook(let name):
          if !webhooks.contains(name) { unresolved.append(reference) }
        }
      }
    }
    return unresolved
  }

  /// What `phase` names in its waits and probes, with where.
  static func references(of phase: RenderedPhase) -> [WaitReference] {
    let spec = phase.spec
    var references: [WaitReference] = []
    for (index, wait) in spec.wait.enumerated() {
      let location = spec.location(of: "wait[\(index)]")
      switch wait {
      case .endpoints(let namespace, let service):
        references.append(
          WaitReference(
            target: .object(apiVersion: "v1", kind: "Service", namespace: namespace, name: service), phase: spec.name,
            location: location))
      case .condition(let condition):
        references.append(
          WaitReference(
            target: .object(
              apiVersion: condition.apiVersion, kind: condition.kind, namespace: condition.namespace,
              name: condition.name),
            phase: spec.name, location: location))
      case .crdsEstablished, .workloadsAvailable, .webhooksServing, .certificatesReady:
        continue
      }
    }
    for (index, probe) in phase.webhookProbes.enumerated() {
      references.append(
        WaitReference(
          target: .webhook(probe.webhook), phase: spec.name,
          location: spec.location(of: "webhookProbes[\(index)].webhook")))
    }
    return references
  }

  /// Whether the cluster already has it (an error reading counts as having it: the wait reports it then).
  func exists(client: KubeClient) async -> Bool {
    switch target {
    case .object(let apiVersion, let kind, let namespace, let name):
      guard let apiVersion, let gvk = try? GroupVersionKind(apiVersion: apiVersion, kind: kind) else { return false }
      do {
        return try await client.getIfExists(ObjectReference(gvk, namespace: namespace, name: name)) != nil
      } catch {
        return error.code != .unknownKind
      }
    case .webhook(let name):
      for gvk in Uninstaller.webhookConfigurationKinds {
        guard let items = try? await client.list(gvk, namespace: nil).items else { return true }
        if items.contains(where: { WebhookDefinition.webhooks(of: $0.json).contains { $0.name == name } }) {
          return true
        }
      }
      return false
    }
  }

  /// Refuses `missing` (none of which any phase creates or the cluster has), naming the first's file and
  /// line and listing the others.
  static func error(_ missing: [WaitReference], cluster: Bool) -> PhaseError? {
    guard let first = missing.first else { return nil }
    var message = "phase \(first.phase) waits for \(first), which no manifest or object of the phase set creates"
    message +=
      cluster
      ? " and the cluster does not have: the wait could only time out"
      : ": install refuses it unless the cluster already has it"
    message += "; correct the name to one the phase's manifests create, or remove it"
    if missing.count > 1 {
      message +=
        "; also: "
        + missing.dropFirst().map { "\($0.location.file):\($0.location.line): \($0)" }.joined(separator: ", ")
    }
    return first.location.error(.waitTargetMissing, message)
  }

  private static func group(of apiVersion: String) -> String {
    apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
  }
}

extension PhaseSpec {
  /// Where a field (`wait[2]`) of this phase is written, for errors found after rendering.
  func location(of field: String) -> FileLocation {
    let mark = PhaseSpec.mark(of: field, in: self)
    return FileLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, field: field)
  }
}
