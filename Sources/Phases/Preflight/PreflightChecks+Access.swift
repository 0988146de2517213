import Kubernetes
import ServestackCore

/// The permissions check: SelfSubjectAccessReviews for everything install will do.
extension PreflightContext {
  static let installVerbs = ["create", "patch", "get", "list", "watch", "delete"]

  func permissions(_ check: PreflightCheck) async -> Verdict {
    // One review first: an identity that may do anything anywhere (cluster-admin) needs no other.
    let everything = AccessCheck(verb: "*", group: "*", resource: "*")
    guard let admin = await client.checkAccess([everything]).first else {
      return Verdict(.fail, "the access review returned nothing")
    }
    if let error = admin.error {
      return Verdict(
        .fail, "cannot ask the apiserver what this identity may do (SelfSubjectAccessReview): \(error.message)",
        fix: "allow creating selfsubjectaccessreviews.authorization.k8s.io (every authenticated user may by default)")
    }
    let checks = await accessChecks()
    if admin.allowed {
      return Verdict(.pass, "cluster-admin: all \(checks.count) permissions install needs are granted")
    }
    let results = await client.checkAccess(checks)
    let denied = results.filter { !$0.allowed }
    guard !denied.isEmpty else {
      return Verdict(
        .pass,
        "all \(checks.count) permissions install needs are granted (\(Set(checks.map(\.resource)).count) resources)")
    }
    let listed = denied.prefix(8).map { $0.check.description }.joined(separator: "; ")
    let more = denied.count > 8 ? " and \(denied.count - 8) more" : ""
    return Verdict(
      .fail, "\(denied.count) of \(checks.count) permissions missing: \(listed)\(more)",
      fix:
        "run as cluster-admin (the stack installs CRDs, webhooks and cluster roles), or bind a role granting these verbs"
    )
  }

  /// create/patch/get/list/watch/delete on every resource the phases apply, cluster-wide for cluster-scoped
  /// kinds and per namespace for namespaced ones, plus the state ConfigMap and Lease; deduplicated.
  func accessChecks() async -> [AccessCheck] {
    var checks: [AccessCheck] = []
    var seen = Set<AccessCheck>()
    func add(_ group: String, _ resource: String, _ namespace: String?) {
      for verb in Self.installVerbs {
        let check = AccessCheck(verb: verb, group: group, resource: resource, namespace: namespace)
        if seen.insert(check).inserted { checks.append(check) }
      }
    }
    add("", "namespaces", nil)
    add("", "configmaps", options.stateNamespace)
    add("coordination.k8s.io", "leases", options.stateNamespace)
    if rendered == nil {
      // Without the manifests, the kinds the stack is known to need.
      add("apiextensions.k8s.io", "customresourcedefinitions", nil)
      add("admissionregistration.k8s.io", "validatingwebhookconfigurations", nil)
      add("admissionregistration.k8s.io", "mutatingwebhookconfigurations", nil)
      add("rbac.authorization.k8s.io", "clusterroles", nil)
      add("rbac.authorization.k8s.io", "clusterrolebindings", nil)
      return checks
    }
    let resolver = ResourceResolver(objects: objects, client: client)
    var entries: [GroupVersionKind: ResourceResolver.Entry?] = [:]
    for object in objects {
      let kube = KubeObject(object)
      guard let gvk = kube.gvk else { continue }
      if entries[gvk] == nil { entries[gvk] = .some(await resolver.resolve(gvk)) }
      guard let entry = entries[gvk] ?? nil else {
        // Unknown to the cluster and the phases: ask by the lower-case plural kubectl would guess.
        add(gvk.group, gvk.kind.lowercased() + "s", kube.namespace)
        continue
      }
      add(gvk.group, entry.resource, entry.namespaced ? (kube.namespace ?? "default") : nil)
    }
    return checks
  }
}
