import Foundation
import Kubernetes
import ServestackCore
import TestSupport
import Testing

/// SelfSubjectAccessReviews for an admin and a restricted identity.
@Suite("Kubernetes access review")
struct KubeAccessTests {
  @Test("SSAR: the admin may, a restricted identity may only what its role says", arguments: KubeBackendKind.allCases)
  func accessReview(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let admin = try backend.client()
    try await backend.withNamespace(admin) { namespace in
      let adminResults = await admin.checkAccess([
        AccessCheck(verb: "create", group: "apps", resource: "deployments", namespace: namespace),
        AccessCheck(verb: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions"),
      ])
      #expect(adminResults.allSatisfy { $0.allowed }, "\(adminResults)")

      let restricted: KubeClient
      let allowedCheck: AccessCheck
      if backend.isFake {
        restricted = try KubeClient(connection: backend.connection(context: "restricted"))
        allowedCheck = AccessCheck(verb: "list", resource: "pods", namespace: "default")
      } else {
        restricted = try await KubeTestIdentity.restrictedClient(backend, admin, namespace: namespace)
        allowedCheck = AccessCheck(verb: "list", resource: "configmaps", namespace: namespace)
      }
      let denied = AccessCheck(verb: "create", group: "apps", resource: "deployments", namespace: namespace)
      let clusterWide = AccessCheck(verb: "delete", resource: "namespaces", name: namespace)
      let results = await restricted.checkAccess([allowedCheck, denied, clusterWide])
      #expect(results.map(\.check) == [allowedCheck, denied, clusterWide])
      #expect(results.map(\.allowed) == [true, false, false], "\(results)")
      #expect(results.allSatisfy { $0.error == nil })
      #expect(results[1].description.hasPrefix("create deployments.apps in namespace \(namespace): denied"))
    }
  }
}
