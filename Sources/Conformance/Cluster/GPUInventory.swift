import Kubernetes
import ServestackCore

/// Nodes and their allocatable GPUs (an extended resource such as `nvidia.com/gpu`).
enum GPUInventory {
  /// `(node, allocatable count)` for every node with more than zero of `resource`.
  static func nodes(with resource: String, client: KubeClient) async throws(KubeError) -> (gpu: [(String, Int)], total: Int) {
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
}
