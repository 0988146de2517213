import Foundation
import Kubernetes
import ServestackCore

/// Checks of the cluster itself: version, nodes, GPUs, storage, load balancers, registry.
extension PreflightContext {
  func kubernetesVersion() -> Verdict {
    guard let server = try? KubernetesVersion(serverVersion) else {
      return Verdict(.warn, "the server reports version '\(serverVersion)', which servestack cannot compare")
    }
    let needs = install.compactMap { phase -> (PhaseComponent, KubernetesSupport)? in
      guard let component = phase.component, let support = component.kubernetes else { return nil }
      return (component, support)
    }
    guard let minimum = needs.map(\.1.minimum).max(), let recommended = needs.map(\.1.recommended).max() else {
      return Verdict(.pass, "Kubernetes \(serverVersion); the selected phases name no minimum version")
    }
    let floors = needs.sorted { $0.1.minimum > $1.1.minimum }.map {
      "\($0.0.name) \($0.0.version) needs \($0.1.minimum)"
    }
    if server < minimum {
      let blockers = needs.filter { server < $0.1.minimum }.map { "\($0.0.name) \($0.0.version) needs \($0.1.minimum)" }
      return Verdict(
        .fail,
        "Kubernetes \(serverVersion) is older than \(minimum), the minimum for profile \(profile) (\(blockers.joined(separator: "; ")))",
        fix:
          "upgrade the cluster to \(recommended) (at least \(minimum)); to try anyway (unsupported): --ignore-preflight-errors=KubernetesVersion"
      )
    }
    if server < recommended {
      let wants = needs.filter { server < $0.1.recommended }.map {
        "\($0.0.name) \($0.0.version) recommends \($0.1.recommended)"
      }
      return Verdict(
        .warn,
        "Kubernetes \(serverVersion) is supported (minimum \(minimum)) but older than recommended: \(wants.joined(separator: "; "))",
        fix: "plan an upgrade to Kubernetes \(recommended)")
    }
    return Verdict(
      .pass, "Kubernetes \(serverVersion) (minimum \(minimum), recommended \(recommended); \(floors.first ?? ""))")
  }

  func nodesReady(_ check: PreflightCheck) async -> Verdict {
    let minimum = check.parameters["minimumReadyNodes"]?.intValue ?? 1
    let nodes: [KubeObject]
    do {
      nodes = try await client.list(GroupVersionKind.node, namespace: nil).items
    } catch {
      return unreadable("nodes", error)
    }
    let ready = nodes.filter {
      $0.condition("Ready")?.isTrue == true && $0[path: "spec", "unschedulable"]?.boolValue != true
    }
    let notReady = nodes.filter { node in !ready.contains { $0.name == node.name } }.compactMap(\.name)
    if ready.count < minimum {
      return Verdict(
        .fail,
        "\(ready.count) of \(nodes.count) node(s) Ready and schedulable; at least \(minimum) needed"
          + (notReady.isEmpty ? "" : " (not ready or cordoned: \(notReady.prefix(5).joined(separator: ", ")))"),
        fix: "kubectl describe node to see why; uncordon or repair nodes before installing")
    }
    if !notReady.isEmpty {
      return Verdict(
        .warn,
        "\(ready.count)/\(nodes.count) nodes Ready; not ready or cordoned: \(notReady.prefix(5).joined(separator: ", "))",
        fix: "kubectl describe node \(notReady[0])")
    }
    return Verdict(.pass, "\(ready.count)/\(nodes.count) nodes Ready")
  }

  func gpuNodes(_ check: PreflightCheck) async -> Verdict {
    let resource = check.parameters["resource"]?.stringValue ?? "nvidia.com/gpu"
    let nodes: [KubeObject]
    do {
      nodes = try await client.list(GroupVersionKind.node, namespace: nil).items
    } catch {
      return unreadable("nodes", error)
    }
    let gpus = nodes.compactMap { node -> (String, Int)? in
      guard let name = node.name, let count = Self.quantity(node[path: "status", "allocatable", resource]), count > 0
      else { return nil }
      return (name, count)
    }
    guard !gpus.isEmpty else {
      if options.expectGPUs {
        return Verdict(
          .fail, "--expect-gpus, but no node has allocatable \(resource) (\(nodes.count) nodes)",
          fix: "install the NVIDIA device plugin (or GPU operator) on the GPU nodes, or drop --expect-gpus")
      }
      return Verdict(.pass, "no node has allocatable \(resource): the gpu-inference test phase will be skipped")
    }
    let found = gpus.map { "\($0.0): \($0.1) \(resource)" }.joined(separator: ", ")
    async let plugins = devicePlugins()
    async let runtimeClass = hasNvidiaRuntimeClass()
    let (pluginNames, hasRuntimeClass) = await (plugins, runtimeClass)
    let runtimeNote = hasRuntimeClass ? "RuntimeClass nvidia present" : "no RuntimeClass nvidia"
    guard let pluginNames, !pluginNames.isEmpty else {
      return Verdict(
        .warn,
        "\(found), but no NVIDIA device plugin DaemonSet was found (\(runtimeNote)): GPU pods may not get devices",
        fix: "install the NVIDIA device plugin or the GPU operator (a DaemonSet named nvidia-device-plugin*)")
    }
    return Verdict(.pass, "\(found); device plugin \(pluginNames.joined(separator: ", ")); \(runtimeNote)")
  }

  /// DaemonSets that look like the NVIDIA device plugin or GPU operator (nil when they cannot be listed).
  private func devicePlugins() async -> [String]? {
    guard
      let sets = try? await client.list(
        GroupVersionKind.daemonSet, namespace: nil, options: ListOptions(metadataOnly: true)
      ).items
    else {
      return nil
    }
    return sets.filter { set in
      let text = ([set.name ?? ""] + Array(set.labels.values)).joined(separator: " ").lowercased()
      return text.contains("nvidia-device-plugin") || text.contains("gpu-operator")
        || text.contains("nvidia-gpu-device-plugin")
    }.map { "\($0.namespace ?? "")/\($0.name ?? "")" }
  }

  private func hasNvidiaRuntimeClass() async -> Bool {
    for kind in [KnownKinds.runtimeClass, KnownKinds.runtimeClassBeta] {
      do {
        return try await client.getIfExists(ObjectReference(kind, name: "nvidia"), metadataOnly: true) != nil
      } catch {
        continue  // node.k8s.io/v1 is 1.20+; try the beta
      }
    }
    return false
  }

  /// A whole resource quantity (`4`, `"4"`, `"2k"`); nil for anything else.
  static func quantity(_ value: JSONValue?) -> Int? { Quantity(json: value)?.wholeValue }

  func defaultStorageClass() async -> Verdict {
    let classes: [KubeObject]
    do {
      classes = try await client.list(
        GroupVersionKind.storageClass, namespace: nil, options: ListOptions(metadataOnly: true)
      ).items
    } catch {
      return unreadable("storage classes", error)
    }
    let names = classes.compactMap(\.name)
    if let wanted = options.storageClass {
      if names.contains(wanted) { return Verdict(.pass, "StorageClass \(wanted) exists (--storage-class)") }
      return Verdict(
        .fail,
        "--storage-class \(wanted): no such StorageClass"
          + (names.isEmpty ? " (there are none)" : " (there are: \(names.joined(separator: ", ")))"),
        fix: "create it, or name an existing one with --storage-class")
    }
    let defaults = classes.filter {
      $0.annotations["storageclass.kubernetes.io/is-default-class"] == "true"
        || $0.annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true"
    }.compactMap(\.name)
    if let first = defaults.first {
      return Verdict(
        .pass, "default StorageClass \(first)" + (defaults.count > 1 ? " (\(defaults.count) are marked default)" : ""))
    }
    return Verdict(
      .fail,
      "no default StorageClass"
        + (names.isEmpty ? " (no StorageClass at all)" : " (StorageClasses: \(names.joined(separator: ", ")))")
        + ": PersistentVolumeClaims that name none stay Pending",
      fix: names.isEmpty
        ? "install a provisioner (e.g. the NFS CSI driver) and mark its StorageClass default, or pass --storage-class NAME"
        : "kubectl annotate storageclass \(names[0]) storageclass.kubernetes.io/is-default-class=true, or pass --storage-class \(names[0])"
    )
  }

  func loadBalancer() async -> Verdict {
    guard profile != .raw else { return Verdict(.skip, "profile raw has no ingress gateway") }
    let services: [KubeObject]
    do {
      services = try await client.list(GroupVersionKind.service, namespace: nil).items.filter {
        $0[path: "spec", "type"]?.stringValue == "LoadBalancer"
      }
    } catch {
      return unreadable("services", error)
    }
    let fix =
      "install a load-balancer provider (MetalLB, or the cloud's controller); otherwise reach the gateway through its NodePort (servestack test --ingress http://NODE:PORT)"
    if let served = services.first(where: { !($0[path: "status", "loadBalancer", "ingress"]?.arrayValue ?? []).isEmpty }
    ) {
      let address =
        served[path: "status", "loadBalancer", "ingress"]?[0].map {
          $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue ?? ""
        } ?? ""
      return Verdict(
        .pass, "LoadBalancer Services get addresses (\(served.namespace ?? "")/\(served.name ?? "") has \(address))")
    }
    let now = Date()
    let stuck = services.filter { service in
      guard let created = service.creationTimestamp.flatMap(Timestamp.parse) else { return true }
      return now.timeIntervalSince(created) > 60
    }.compactMap { "\($0.namespace ?? "")/\($0.name ?? "")" }
    if !stuck.isEmpty {
      return Verdict(
        .fail,
        "LoadBalancer Services stay pending (\(stuck.prefix(3).joined(separator: ", ")) for over a minute): no load-balancer provider is likely; the ingress gateway will be reached through its NodePort",
        fix: fix)
    }
    let nodes =
      (try? await client.list(GroupVersionKind.node, namespace: nil, options: ListOptions(metadataOnly: false)).items)
      ?? []
    if let provider = nodes.compactMap({ $0[path: "spec", "providerID"]?.stringValue }).first(where: { !$0.isEmpty }) {
      let cloud = provider.split(separator: ":").first.map(String.init) ?? provider
      return Verdict(.pass, "nodes run on a cloud provider (\(cloud)); LoadBalancer Services should get addresses")
    }
    return Verdict(
      .fail,
      "no sign of a load-balancer provider (no LoadBalancer Service has an address, nodes have no providerID): the ingress gateway will likely stay pending; NodePort will be used",
      fix: fix)
  }

  func registryReachable() async -> Verdict {
    guard let registry = options.registry else {
      return Verdict(.skip, "no --registry: images come from their public registries")
    }
    guard let probe = options.registryProbe else { return Verdict(.skip, "no registry client in this build") }
    let outcome = await probe(registry)
    if let problem = outcome.problem {
      return Verdict(
        .fail, "registry \(registry): \(problem)",
        fix: "check the address, its CA (--registry-ca) and credentials (~/.docker/config.json or --registry-user)")
    }
    guard outcome.credentialsSent else { return Verdict(.pass, "registry \(registry) answers without credentials") }
    // The nodes' container runtime pulls the images, not servestack: they need credentials of their own.
    return Verdict(
      .warn,
      "registry \(registry) answers and accepts the credentials, but servestack gives none to the cluster: its nodes "
        + "must be able to pull from \(registry) themselves",
      fix: "give the nodes pull access: registry auth in each node's container runtime (containerd's registry "
        + "config), or a kubernetes.io/dockerconfigjson Secret as imagePullSecret of the stack's ServiceAccounts")
  }
}
