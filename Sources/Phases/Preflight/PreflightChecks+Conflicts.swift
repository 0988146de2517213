import Kubernetes
import Registry
import ServestackCore

/// Checks for what is already in the cluster: other versions of our components, webhooks that would
/// refuse our objects.
extension PreflightContext {
  func existingInstalls() async -> Verdict {
    let owning = install.filter { $0.component?.crds != nil }
    guard !owning.isEmpty else { return Verdict(.pass, "the selected phases own no CRDs") }
    let crds: [KubeObject]
    do {
      crds = try await client.list(
        GroupVersionKind.customResourceDefinition, namespace: nil, options: ListOptions(metadataOnly: true)
      ).items
    } catch {
      return unreadable("CustomResourceDefinitions", error)
    }
    var failures: [String] = []
    var notes: [String] = []
    var unknown: [String] = []
    for phase in owning {
      guard let component = phase.component, let ownership = component.crds else { continue }
      let present = crds.filter { crd in ownership.groups.contains(Self.group(ofCRDNamed: crd.name ?? "")) }
      guard !present.isEmpty else { continue }
      var versions: [String]
      if let label = ownership.versionLabel {
        versions = Array(Set(present.compactMap { $0.labels[label] })).sorted()
      } else {
        versions = await workloadVersion(of: phase).map { [$0] } ?? []
      }
      if versions.isEmpty {
        unknown.append("\(component.name): \(present.count) CRD(s) present, installed version unknown")
        continue
      }
      for text in versions {
        guard let installed = try? SemanticVersion(text) else {
          unknown.append("\(component.name): installed version '\(text)' is not a version")
          continue
        }
        if installed == component.semanticVersion {
          notes.append("\(component.name) \(component.version) already installed (adopted)")
        } else if ownership.allowsUpgrade(from: installed, to: component.semanticVersion) {
          notes.append("\(component.name) \(text) → \(component.version) (upgrade allowed)")
        } else {
          let allowed =
            ownership.upgradeFrom.isEmpty
            ? "only the same version" : ownership.upgradeFrom.map(\.text).joined(separator: ", ")
          failures.append(
            "\(component.name) \(text) is installed; this stack installs \(component.version), which upgrades from \(allowed)"
          )
        }
      }
    }
    if !failures.isEmpty {
      return Verdict(
        .fail, (failures + notes).joined(separator: "; "),
        fix: "uninstall the other version first, or install with phases that match it (--phases DIR)")
    }
    if !unknown.isEmpty {
      return Verdict(
        .warn, (unknown + notes).joined(separator: "; ") + "; its CRDs will be taken over",
        fix: "check which version is installed before going on (kubectl get crd -L app.kubernetes.io/version)")
    }
    return Verdict(.pass, notes.isEmpty ? "none of the stack's CRDs are installed" : notes.joined(separator: "; "))
  }

  /// `certificates.cert-manager.io` → `cert-manager.io`.
  static func group(ofCRDNamed name: String) -> String {
    guard let dot = name.firstIndex(of: ".") else { return "" }
    return String(name[name.index(after: dot)...])
  }

  /// The version of a component read off its running controllers' image tags (for components whose CRDs
  /// carry no version label, like KServe).
  func workloadVersion(of phase: PhaseSpec) async -> String? {
    let rendered = self.rendered?.first { $0.name == phase.name }
    let deployments = (rendered?.objects ?? []).map(KubeObject.init).filter { $0.kind == "Deployment" }.compactMap(
      \.reference)
    return await Self.imageTagVersion(of: deployments, client: client)
  }

  /// The first SemVer image tag among the containers of the live workloads.
  static func imageTagVersion(of workloads: [ObjectReference], client: KubeClient) async -> String? {
    for reference in workloads {
      guard let live = try? await client.getIfExists(reference) else { continue }
      for container in live[path: "spec", "template", "spec", "containers"]?.arrayValue ?? [] {
        guard let image = container["image"]?.stringValue, let tag = (try? ImageReference(image))?.tag else { continue }
        if (try? SemanticVersion(tag)) != nil { return tag }
      }
    }
    return nil
  }

  func failingWebhooks() async -> Verdict {
    var ours = Set<String>()
    for object in objects {
      let kube = KubeObject(object)
      if let kind = kube.kind, KnownKinds.webhookConfigurationKinds.contains(kind) {
        ours.insert("\(kind)/\(kube.name ?? "")")
      }
    }
    let configurations: [KubeObject]
    do throws(KubeError) {
      configurations =
        try await client.list(KnownKinds.validatingWebhooks, namespace: nil).items
        + client.list(KnownKinds.mutatingWebhooks, namespace: nil).items
    } catch {
      return unreadable("webhook configurations", error)
    }
    let targets = await createdResources()
    var blocking: [String] = []
    var configurationsToDelete: [String] = []
    var checked = 0
    var endpointCache: [String: Int] = [:]
    for configuration in configurations where !ours.contains("\(configuration.kind ?? "")/\(configuration.name ?? "")")
    {
      for hook in WebhookDefinition.webhooks(of: configuration.json) where hook.failurePolicy == "Fail" {
        guard let service = hook.service else { continue }
        let intercepted: [String]
        if let targets {
          intercepted = targets.filter { target in
            ["CREATE", "UPDATE"].contains { operation in
              hook.intercepts(
                group: target.gvk.group, version: target.gvk.version, resource: target.resource, operation: operation,
                namespaced: target.namespaced, labels: [:])
            }
          }.map { $0.gvk.groupKind }
        } else {
          intercepted = hook.rules.isEmpty ? [] : ["what it intercepts"]
        }
        guard !intercepted.isEmpty else { continue }
        checked += 1
        let key = service.description
        if endpointCache[key] == nil { endpointCache[key] = await readyEndpoints(service) }
        guard endpointCache[key] == 0 else { continue }
        let kinds = Array(Set(intercepted)).sorted()
        blocking.append(
          "\(hook) intercepts \(kinds.prefix(4).joined(separator: ", "))\(kinds.count > 4 ? "…" : "") with failurePolicy Fail, and its service \(service) has no ready endpoints"
        )
        configurationsToDelete.append("kubectl delete \(hook.configurationKind.lowercased()) \(hook.configuration)")
      }
    }
    if !blocking.isEmpty {
      return Verdict(
        .fail, blocking.joined(separator: "; ") + ": applying those objects would fail with \"failed calling webhook\"",
        fix:
          "bring the webhooks' services back, or delete leftover configurations: \(Array(Set(configurationsToDelete)).sorted().joined(separator: "; "))"
      )
    }
    return Verdict(
      .pass,
      checked == 0
        ? "no webhook of another install intercepts what install creates"
        : "\(checked) webhook(s) of other installs intercept what install creates; all have ready endpoints")
  }

  /// The resources install creates (nil when the phases could not be rendered).
  private func createdResources() async -> [ResourceResolver.Entry]? {
    guard rendered != nil else { return nil }
    let resolver = ResourceResolver(objects: objects, client: client)
    var seen = Set<GroupVersionKind>()
    var entries: [ResourceResolver.Entry] = []
    for object in objects {
      guard let gvk = KubeObject(object).gvk, seen.insert(gvk).inserted, let entry = await resolver.resolve(gvk) else {
        continue
      }
      entries.append(entry)
    }
    return entries
  }

  /// Ready addresses of a Service's Endpoints (0 when it has none or does not exist).
  private func readyEndpoints(_ service: WebhookDefinition.Service) async -> Int {
    let reference = ObjectReference(GroupVersionKind.endpoints, namespace: service.namespace, name: service.name)
    guard let endpoints = try? await client.getIfExists(reference) else { return 0 }
    return endpoints.endpointAddresses.ready
  }
}
