import Foundation
import Kubernetes
import ServestackCore
import YAML

/// The benchmark's object set: upstream manifests that the target cluster accepts, rewritten per
/// round and tool into fresh namespaces, with cluster-scoped names suffixed.
struct KubeBenchSet {
  /// The manifests read, in order.
  static let manifests = [
    "cert-manager/v1.16.1/cert-manager.yaml", "istio/1.27.1/rendered/istio-kind-no-mesh.yaml",
    "knative-serving/v1.15.2/2-serving-core.yaml", "knative-serving/v1.15.2/3-serving-hpa.yaml",
    "net-istio/v1.15.1/net-istio.yaml", "net-kourier/v1.15.1/kourier.yaml", "kserve/v0.16.0/kserve.yaml",
  ]

  /// Kinds left out: CRDs cannot be renamed per round (their names are their groups), admission webhooks
  /// behind Services never answer on the testenv and would fail every matching request of the cluster,
  /// APIServices would break discovery, and Jobs/Pods would start work.
  static let excludedKinds: Set<String> = [
    "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "Job", "CronJob", "Pod",
  ]

  /// Objects as read (after exclusions), each with where it came from.
  var base: [(source: String, object: KubeObject)] = []
  /// What was left out before the dry run, with why, counted.
  var excluded: [String: Int] = [:]

  init(fixtures: URL) throws {
    var crdKinds = Set<String>()
    var all: [(String, KubeObject)] = []
    for manifest in Self.manifests {
      let path = fixtures.appendingPathComponent(manifest).path
      for document in try YAMLParser.readDocuments(atPath: path) where document.value.objectValue != nil {
        let object = KubeObject(document.value)
        if object.kind == "CustomResourceDefinition", let group = object[path: "spec", "group"]?.stringValue,
          let kind = object[path: "spec", "names", "kind"]?.stringValue
        {
          crdKinds.insert("\(group)/\(kind)")
        }
        all.append((manifest, object))
      }
    }
    for (source, object) in all {
      let kind = object.kind ?? "?"
      if Self.excludedKinds.contains(kind) {
        excluded["\(kind) (excluded kind)", default: 0] += 1
      } else if let gvk = object.gvk, crdKinds.contains("\(gvk.group)/\(gvk.kind)") {
        excluded["custom resources (their CRDs are excluded)", default: 0] += 1
      } else {
        base.append((source, object))
      }
    }
  }

  /// The namespace a copy uses for an original namespace.
  static func namespace(_ original: String, tag: String) -> String { String("\(tag)-\(original)".prefix(63)) }

  /// The objects for one copy (`tag`, e.g. `b1s0`): namespaced objects move to `<tag>-<namespace>`,
  /// cluster-scoped ones get `-<tag>` appended (with the role references and subjects that point at them),
  /// Deployments get 0 replicas and DaemonSets a node selector nothing matches (so no pods start), and
  /// labels that would aggregate into the cluster's built-in roles are dropped. Namespace objects come first.
  static func copy(
    _ objects: [KubeObject], tag: String, namespaced: (KubeObject) -> Bool
  ) -> [KubeObject] {
    var namespaces: [String] = []
    var out: [KubeObject] = []
    let clusterRoles = Set(objects.filter { $0.kind == "ClusterRole" }.compactMap(\.name))
    for original in objects {
      var object = original
      object.json.remove(at: ["status"])
      if object.kind == "Namespace" {
        continue
      }
      if namespaced(object) {
        let ns = namespace(object.namespace ?? "default", tag: tag)
        object.namespace = ns
        if !namespaces.contains(ns) { namespaces.append(ns) }
      } else {
        object.name = "\(object.name ?? "x")-\(tag)"
      }
      rewriteReferences(&object, tag: tag, clusterRoles: clusterRoles)
      out.append(object)
    }
    for object in objects where object.kind == "Namespace" {
      let ns = namespace(object.name ?? "x", tag: tag)
      if !namespaces.contains(ns) { namespaces.append(ns) }
    }
    let namespaceObjects = namespaces.map { KubeObject(GroupVersionKind.namespace, name: $0) }
    return namespaceObjects + out
  }

  private static func rewriteReferences(_ object: inout KubeObject, tag: String, clusterRoles: Set<String>) {
    var labels = object.labels
    for key in labels.keys where key.hasPrefix("rbac.authorization.k8s.io/aggregate-to-") { labels[key] = nil }
    if labels != object.labels { object.labels = labels }
    switch object.kind {
    case "ClusterRoleBinding", "RoleBinding":
      if object[path: "roleRef", "kind"]?.stringValue == "ClusterRole",
        let name = object[path: "roleRef", "name"]?.stringValue,
        clusterRoles.contains(name)
      {
        object.json.set(.string("\(name)-\(tag)"), at: ["roleRef", "name"])
      }
      if var subjects = object["subjects"]?.arrayValue {
        for index in subjects.indices {
          if let ns = subjects[index]["namespace"]?.stringValue {
            subjects[index]["namespace"] = .string(namespace(ns, tag: tag))
          }
        }
        object["subjects"] = .array(subjects)
      }
    case "Deployment", "StatefulSet":
      object.json.set(0, at: ["spec", "replicas"])
    case "DaemonSet":
      object.json.set(["servestack-bench/no-such-node": "true"], at: ["spec", "template", "spec", "nodeSelector"])
    default:
      break
    }
  }
}
