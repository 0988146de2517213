import Kubernetes
import ServestackCore

/// Finds where requests to InferenceServices go from outside the cluster, as KServe's docs do by hand:
/// the ingress gateway Service of the profile (`istio-system/istio-ingressgateway`, or
/// `kourier-system/kourier`), its LoadBalancer address, else its NodePort on a node's InternalIP.
struct IngressResolver: Sendable {
  let client: KubeClient

  struct Ingress: Sendable {
    var url: String
    var source: String
  }

  /// The gateway Services to look for, in order, for `profile`.
  static func gateways(for profile: String) -> [(namespace: String, name: String)] {
    switch profile {
    case "serverless-kourier": [("kourier-system", "kourier"), ("istio-system", "istio-ingressgateway")]
    default: [("istio-system", "istio-ingressgateway"), ("kourier-system", "kourier")]
    }
  }

  /// The ingress, or a sentence saying what was looked at and how to fix it.
  func resolve(profile: String) async -> Result<Ingress, ConformanceError> {
    var looked: [String] = []
    for gateway in Self.gateways(for: profile) {
      let reference = ObjectReference(GroupVersionKind.service, namespace: gateway.namespace, name: gateway.name)
      let service: KubeObject?
      do {
        service = try await client.getIfExists(reference)
      } catch {
        looked.append("\(gateway.namespace)/\(gateway.name): \(error.message)")
        continue
      }
      guard let service else {
        looked.append("\(gateway.namespace)/\(gateway.name): not found")
        continue
      }
      let port = Self.httpPort(service)
      for ingress in service[path: "status", "loadBalancer", "ingress"]?.arrayValue ?? [] {
        if let address = ingress["ip"]?.stringValue ?? ingress["hostname"]?.stringValue, let port = port?.port {
          return .success(
            Ingress(
              url: "http://\(Self.bracketed(address)):\(port)",
              source: "LoadBalancer of \(gateway.namespace)/\(gateway.name)"))
        }
      }
      if let nodePort = port?.nodePort {
        if let address = await nodeAddress() {
          return .success(
            Ingress(
              url: "http://\(Self.bracketed(address.ip)):\(nodePort)",
              source: "NodePort \(nodePort) of \(gateway.namespace)/\(gateway.name) on node \(address.node)"))
        }
        looked.append("\(gateway.namespace)/\(gateway.name): NodePort \(nodePort) but no node has an InternalIP")
      } else {
        looked.append("\(gateway.namespace)/\(gateway.name): no LoadBalancer address and no NodePort")
      }
    }
    return .failure(
      ConformanceError(
        .noIngress,
        "no ingress gateway address found (\(looked.joined(separator: "; "))); pass --ingress http://HOST:PORT"))
  }

  /// The Service port that serves plain HTTP: named `http2`/`http`/`http80`, else port 80, else the first.
  static func httpPort(_ service: KubeObject) -> (port: Int, nodePort: Int?)? {
    let ports = service[path: "spec", "ports"]?.arrayValue ?? []
    let chosen =
      ports.first { ["http2", "http", "http80"].contains($0["name"]?.stringValue ?? "") }
      ?? ports.first { $0["port"]?.intValue == 80 } ?? ports.first
    guard let chosen, let port = chosen["port"]?.intValue else { return nil }
    return (port, chosen["nodePort"]?.intValue)
  }

  /// The InternalIP of the first Ready node (ExternalIP when it has no InternalIP).
  func nodeAddress() async -> (node: String, ip: String)? {
    guard let nodes = try? await client.list(GroupVersionKind.node, namespace: nil) else { return nil }
    let sorted = nodes.items.sorted {
      ($0.condition("Ready")?.isTrue == true ? 0 : 1) < ($1.condition("Ready")?.isTrue == true ? 0 : 1)
    }
    for node in sorted {
      let addresses = node[path: "status", "addresses"]?.arrayValue ?? []
      for type in ["InternalIP", "ExternalIP"] {
        if let address = addresses.first(where: { $0["type"]?.stringValue == type })?["address"]?.stringValue {
          return (node.name ?? "?", address)
        }
      }
    }
    return nil
  }

  static func bracketed(_ address: String) -> String { address.contains(":") ? "[\(address)]" : address }
}
