import Kubernetes
import ServestackCore

/// A webhook configuration whose Service is gone makes the apiserver fail every request it intercepts
/// (`failurePolicy: Fail`, Istio's sidecar injector: every Pod), so after uninstall none of the stack's
/// may remain, whatever else is kept.
extension Uninstaller {
  /// Deletes the webhook configurations of the stack whose Services are gone (or, in a dry run, would
  /// be): recorded ones kept as someone else's, and ones servestack did not apply (a controller created
  /// them, or another tool) whose every Service is one the stack applied. Returns what to tell the user.
  func removeOrphanedWebhooks(_ ledger: inout Ledger, options: UninstallOptions) async -> [String] {
    var stackServices: [WebhookDefinition.Service: StoredObject] = [:]
    for object in ledger.outcomes.keys where object.kind == "Service" && object.apiVersion == "v1" {
      stackServices[WebhookDefinition.Service(namespace: object.namespace ?? "default", name: object.name)] = object
    }
    var notes: [String] = []
    let verb = options.dryRun ? "would delete" : "deleted"
    for gvk in Self.webhookConfigurationKinds {
      let live: [KubeObject]
      do {
        live = try await client.list(gvk, namespace: nil).items
      } catch {
        notes.append("could not list \(gvk.kind)s to find webhooks left without a server: \(error.message)")
        continue
      }
      for configuration in live {
        guard let name = configuration.name else { continue }
        let services = Set(WebhookDefinition.webhooks(of: configuration.json).compactMap(\.service))
        guard !services.isEmpty else { continue }
        let object = StoredObject(apiVersion: gvk.apiVersion, kind: gvk.kind, namespace: nil, name: name)
        let recorded = ledger.reporter[object] != nil
        var gone: [WebhookDefinition.Service] = []
        for service in services.sorted(by: { $0.description < $1.description })
        where await isGone(service, stack: stackServices[service], ledger: ledger) {
          gone.append(service)
        }
        let why: String
        let phase: Int
        if recorded {
          // Ours and deleted already, or nothing is missing behind it.
          guard let outcome = ledger.outcomes[object], outcome.remains, !gone.isEmpty,
            let reporter = ledger.reporter[object]
          else { continue }
          let kept: String
          switch outcome {
          case .kept(let reason), .failed(let reason): kept = reason
          case .deleted, .absent: kept = ""
          }
          why = "\(verb) \(object) although it was kept (\(kept))"
          phase = reporter
        } else {
          // Not ours: only when every Service it calls is the stack's, and gone.
          guard gone.count == services.count, let first = gone.first, let service = stackServices[first],
            let reporter = ledger.reporter[service]
          else { continue }
          why = "\(verb) \(object), which servestack did not apply"
          phase = reporter
        }
        let outcome =
          (await deleteAll([object], phase: nil, force: true, options: options, events: { _ in })).first ?? .absent
        if !recorded { _ = ledger.report(object, phase: phase) }
        ledger.outcomes[object] = outcome
        let missing = gone.map { "service \($0)" }.joined(separator: ", ")
        if case .failed(let message) = outcome {
          notes.append(
            "could not delete \(object), whose \(missing) is gone: \(message); delete it by hand, or requests it intercepts fail"
          )
        } else {
          notes.append(
            "\(why): its \(missing) is gone, and a webhook with no server behind it fails the requests it intercepts")
        }
      }
    }
    return notes
  }

  static let webhookConfigurationKinds = [
    GroupVersionKind(group: "admissionregistration.k8s.io", version: "v1", kind: "MutatingWebhookConfiguration"),
    GroupVersionKind(group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingWebhookConfiguration"),
  ]

  /// Whether nothing serves behind `service` after this run: the stack's Service was deleted (or would
  /// be), or it is not on the cluster.
  private func isGone(_ service: WebhookDefinition.Service, stack: StoredObject?, ledger: Ledger) async -> Bool {
    if let stack, let outcome = ledger.outcomes[stack], !outcome.remains { return true }
    do {
      return try await client.getIfExists(ObjectReference(.service, namespace: service.namespace, name: service.name))
        == nil
    } catch {
      return false
    }
  }
}
