import Foundation
import Kubernetes
import ServestackCore

/// Decides whether a webhook serves: its Service has ready endpoints, the LIVE configuration carries a
/// `caBundle` (CA injection happened), and a server-side dry-run request it intercepts is answered by it
/// rather than failing with `failed calling webhook "…"` (connection refused, TLS, timeout).
///
/// The dry-run object is the phase's `webhookProbes` entry for the webhook, else another probe of the
/// phase that the webhook intercepts, else a minimal object generated from one of its rules. A webhook
/// with `failurePolicy: Ignore` cannot be told apart by a dry run (the apiserver ignores its failures),
/// so for it endpoints and caBundle decide.
struct WebhookServing: Sendable {
  enum Look: Sendable, Equatable {
    case serving(String)
    case notServing(String)
  }

  let client: KubeClient
  let resolver: ResourceResolver
  let probes: [WebhookProbe]

  /// Looks once.
  func look(_ hook: WebhookDefinition, probe: JSONValue?) async -> Look {
    if let service = hook.service {
      let endpoints = ObjectReference(GroupVersionKind.endpoints, namespace: service.namespace, name: service.name)
      let ready: Int
      do throws(KubeError) {
        ready = try await client.getIfExists(endpoints)?.endpointAddresses.ready ?? 0
      } catch {
        return .notServing("cannot read the endpoints of service \(service): \(error.message)")
      }
      guard ready > 0 else { return .notServing("service \(service) has no ready endpoints") }
      let gvk =
        hook.configurationKind == "MutatingWebhookConfiguration"
        ? KnownKinds.mutatingWebhooks : KnownKinds.validatingWebhooks
      let live: KubeObject?
      do throws(KubeError) {
        live = try await client.getIfExists(ObjectReference(gvk, name: hook.configuration))
      } catch {
        return .notServing("cannot read \(hook.configurationKind) \(hook.configuration): \(error.message)")
      }
      guard let live else { return .notServing("\(hook.configurationKind) \(hook.configuration) does not exist") }
      let current = WebhookDefinition.webhooks(of: live.json).first { $0.name == hook.name }
      guard current?.hasCABundle == true else {
        return .notServing(
          "caBundle of \(hook.configurationKind) \(hook.configuration) is not injected yet (service \(service): \(ready) ready endpoint(s))"
        )
      }
    }
    guard hook.failurePolicy != "Ignore" else {
      return .serving("endpoints ready, caBundle set (failurePolicy Ignore: not probed)")
    }
    guard let probe else { return .serving("endpoints ready, caBundle set (no object to probe it with)") }
    return await dryRun(probe, for: hook)
  }

  /// A server-side dry-run create of `probe`, read for the webhook's answer.
  func dryRun(_ probe: JSONValue, for hook: WebhookDefinition) async -> Look {
    let object = KubeObject(probe)
    do throws(KubeError) {
      _ = try await client.create(object, options: WriteOptions(dryRun: true))
      return .serving("answered a dry-run create of \(object.displayName)")
    } catch {
      let text = error.serverMessage ?? error.message
      if text.contains("failed calling webhook") {
        return .notServing("dry-run create of \(object.displayName): \(text)")
      }
      if error.category == .unreachable || error.code == .unknownKind || error.code == .serverError {
        return .notServing("dry-run create of \(object.displayName): \(error.message)")
      }
      // A validating webhook runs after schema validation: an Invalid answer that names no webhook came
      // before it was called and proves nothing about it.
      if error.code == .invalid && hook.configurationKind == "ValidatingWebhookConfiguration"
        && !text.contains("admission webhook")
      {
        return .serving(
          "endpoints ready, caBundle set (the probe \(object.displayName) was rejected by validation before the webhook was called; add a valid object for it under webhookProbes to prove it answers)"
        )
      }
      // Denied, or refused by a mutating webhook that answered (mutation runs before validation).
      return .serving("answered a dry-run create of \(object.displayName) (\(error.reason ?? error.code.description))")
    }
  }

  /// The object to probe `hook` with, or nil when none fits.
  func probeObject(for hook: WebhookDefinition) async -> JSONValue? {
    func intercepted(_ object: JSONValue) async -> Bool {
      let kube = KubeObject(object)
      guard let gvk = kube.gvk, let entry = await resolver.resolve(gvk) else { return false }
      return hook.intercepts(
        group: gvk.group, version: gvk.version, resource: entry.resource, operation: "CREATE",
        namespaced: entry.namespaced,
        labels: kube.labels)
    }
    for probe in probes where probe.webhook == hook.name {
      if await intercepted(probe.object) { return probe.object }
    }
    for probe in probes where await intercepted(probe.object) { return probe.object }
    return await generatedProbe(for: hook)
  }

  /// A minimal object of a resource the webhook intercepts on CREATE.
  func generatedProbe(for hook: WebhookDefinition) async -> JSONValue? {
    for rule in hook.rules where rule.operations.contains("CREATE") || rule.operations.contains("*") {
      for group in rule.apiGroups where group != "*" {
        for version in rule.apiVersions {
          for resource in rule.resources where resource != "*" && !resource.contains("/") {
            guard let entry = await resolver.kind(group: group, version: version, resource: resource) else { continue }
            var metadata: JSONObject = [
              "name": .string("servestack-webhook-probe-\(UUID().uuidString.prefix(8).lowercased())")
            ]
            if entry.namespaced { metadata["namespace"] = "default" }
            let labels = LabelSelector.satisfyingLabels(hook.objectSelector)
            if !labels.isEmpty {
              metadata["labels"] = .object(
                JSONObject(uniqueKeysWithValues: labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            }
            return [
              "apiVersion": .string(entry.gvk.apiVersion), "kind": .string(entry.gvk.kind),
              "metadata": .object(metadata),
              "spec": [:],
            ]
          }
        }
      }
    }
    return nil
  }

  /// Looks until the webhook serves or `deadline` passes, with backoff (0.25 s doubling to 2 s).
  func wait(
    _ hook: WebhookDefinition, deadline: ContinuousClock.Instant, progress: @Sendable (String) -> Void
  ) async -> WaitOutcome {
    let started = ContinuousClock.now
    let probe = await probeObject(for: hook)
    var delay = Duration.milliseconds(250)
    var last = ""
    while true {
      let look = await look(hook, probe: probe)
      switch look {
      case .serving(let how):
        return WaitOutcome(what: "\(hook) serving", satisfied: true, state: how, elapsed: .now - started)
      case .notServing(let why):
        if why != last { progress(why) }
        last = why
      }
      if ContinuousClock.now + delay > deadline || Task.isCancelled {
        return WaitOutcome(
          what: "\(hook) serving", satisfied: false, state: last, elapsed: .now - started,
          problem: "\(hook) not serving after \((ContinuousClock.now - started).short): \(last)")
      }
      try? await Task.sleep(for: delay)
      delay = min(delay * 2, .seconds(2))
    }
  }
}
