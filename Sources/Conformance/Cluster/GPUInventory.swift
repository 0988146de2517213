public import Kubernetes
import ServestackCore

/// Nodes and their allocatable GPUs (an extended resource such as `nvidia.com/gpu`).
enum GPUInventory {
  /// `(node, allocatable count)` for every node with more than zero of `resource`.
  static func nodes(with resource: String, client: KubeClient) async throws(KubeError) -> (
    gpu: [(String, Int)], total: Int
  ) {
    let nodes = try await client.list(GroupVersionKind.node, namespace: nil)
    let gpu = nodes.items.compactMap { node -> (String, Int)? in
      let count = allocatable(node, resource)
      return count > 0 ? (node.name ?? "?", count) : nil
    }
    return (gpu.sorted { $0.0 < $1.0 }, nodes.items.count)
  }

  static func allocatable(_ node: KubeObject, _ resource: String) -> Int {
    guard let value = node[path: "status", "allocatable", resource] else { return 0 }
    return quantity(value) ?? 0
  }

  /// An integer quantity (`"4"`, `4`, `"2k"`); extended resources are whole numbers.
  static func quantity(_ value: JSONValue) -> Int? { Quantity(json: value)?.wholeValue }

  static func proof(pod: KubeObject, node: KubeObject?, resource: String) -> GPUProofLevel? {
    GPUProofLevel.proven(pod: pod, node: node, resource: resource)
  }

  /// How many of `resource` the pod's containers ask for (the larger of limits and requests).
  static func requested(_ resource: String, pod: KubeObject) -> Int {
    (pod[path: "spec", "containers"]?.arrayValue ?? []).reduce(0) { sum, container in
      let limits = container[path: ["resources", "limits", resource]].flatMap(quantity) ?? 0
      let requests = container[path: ["resources", "requests", resource]].flatMap(quantity) ?? 0
      return sum + max(limits, requests)
    }
  }
}

extension GPUProofLevel {
  /// What a predictor pod proves about its GPU: `nil` when `node` has no allocatable `resource`;
  /// `placedOnGPUNode` when it has; `gpuAllocated` when the pod also requests the resource and the kubelet
  /// admitted it (Running, every container started), because the kubelet starts a container with an
  /// extended resource only after its device manager allocated one.
  public static func proven(pod: KubeObject, node: KubeObject?, resource: String) -> GPUProofLevel? {
    guard let node, GPUInventory.allocatable(node, resource) > 0 else { return nil }
    guard GPUInventory.requested(resource, pod: pod) > 0, pod[path: "status", "phase"]?.stringValue == "Running" else {
      return .placedOnGPUNode
    }
    let statuses = pod[path: "status", "containerStatuses"]?.arrayValue ?? []
    let started = !statuses.isEmpty && statuses.allSatisfy { $0[path: ["state", "running"]] != nil }
    return started ? .gpuAllocated : .placedOnGPUNode
  }
}
