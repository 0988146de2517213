import Foundation
import Kubernetes
import ServestackCore

/// Small apiextensions.k8s.io/v1 CRDs for version-change and storage-migration tests: kind `Widget`,
/// namespaced, any fields kept, no conversion webhook (the apiserver only rewrites `apiVersion`).
enum SyntheticCRD {
  struct Version {
    var name: String
    var served = true
    var storage = false
  }

  /// A group of its own per test, so that tests on the shared cluster never meet.
  static func uniqueGroup() -> String { "w\(UUID().uuidString.prefix(8).lowercased()).sstest.example.com" }

  static func make(group: String = "widgets.example.com", _ versions: [Version], storedVersions: [String]? = nil)
    -> KubeObject
  {
    var crd = KubeObject([
      "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": ["name": .string("widgets.\(group)")],
      "spec": [
        "group": .string(group), "scope": "Namespaced",
        "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
        "versions": .array(
          versions.map { version in
            [
              "name": .string(version.name), "served": .bool(version.served), "storage": .bool(version.storage),
              "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
            ]
          }),
      ],
    ])
    if let storedVersions {
      crd.json.set(.array(storedVersions.map(JSONValue.string)), at: ["status", "storedVersions"])
    }
    return crd
  }

  static func v(_ name: String, served: Bool = true, storage: Bool = false) -> Version {
    Version(name: name, served: served, storage: storage)
  }

  /// A Widget in `version` with a spec to check after rewrites.
  static func widget(_ name: String, namespace: String, group: String, version: String) -> KubeObject {
    KubeObject([
      "apiVersion": .string("\(group)/\(version)"), "kind": "Widget",
      "metadata": ["name": .string(name), "namespace": .string(namespace)],
      "spec": ["size": .int(name.count), "color": "blue"],
    ])
  }
}
