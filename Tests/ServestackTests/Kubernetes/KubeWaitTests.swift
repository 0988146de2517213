import Foundation
import HTTP
import Kubernetes
import ServestackCore
import Synchronization
import TestSupport
import Testing

/// Watch-based waits and the diagnosis of workloads that do not become ready.
@Suite("Kubernetes waits")
struct KubeWaitTests {
  @Test(
    "a Deployment rolls out (hollow nodes / simulated controllers), with progress", arguments: KubeBackendKind.allCases)
  func rollout(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      _ = try await client.apply(Kube.deployment("web", namespace: namespace, replicas: 2))
      let states = Mutex<[String]>([])
      let result = await Waiter(client: client).wait(
        for: ObjectReference(Kube.deployment, namespace: namespace, name: "web"), until: .rolledOut,
        timeout: .seconds(60)
      ) { progress in states.withLock { $0.append(progress.state.text) } }
      #expect(result.satisfied, "\(result)")
      #expect(result.state == .satisfied("2/2 available"))
      #expect(states.withLock { $0.last } == "2/2 available")
    }
  }

  @Test(
    "a Deployment that never becomes available times out with a diagnosis naming the pod state",
    arguments: KubeBackendKind.allCases)
  func timeoutWithDiagnosis(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let deployment: KubeObject
      if backend.isFake {
        // The fake's kubelet reports ImagePullBackOff for pods of workloads matching `neverReady`.
        // A long progress deadline, so that the wait times out instead of failing early on
        // ProgressDeadlineExceeded (the fake's default deadline is 2 s).
        _ = try await backend.fakeControl(
          .patch, "/fake/config", ["neverReady": .array([.string("\(namespace)/*")]), "progressDeadlineSeconds": 600])
        deployment = Kube.deployment("stuck", namespace: namespace)
      } else {
        // Hollow kubelets run any image, so make the pod unschedulable instead.
        deployment = Kube.deployment("stuck", namespace: namespace, nodeSelector: ["sstest/none": "nowhere"])
      }
      _ = try await client.apply(deployment)
      let reference = ObjectReference(Kube.deployment, namespace: namespace, name: "stuck")
      let result = await Waiter(client: client).wait(for: reference, until: .rolledOut, timeout: .seconds(4))
      if backend.isFake {
        _ = try await backend.fakeControl(.patch, "/fake/config", ["neverReady": [], "progressDeadlineSeconds": 2.0])
      }
      let error = try #require(result.error)
      #expect(error.code == .waitTimeout)
      #expect(error.category == .failed)
      let diagnosis = try #require(result.diagnosis)
      #expect(diagnosis.summary == "0/1 available")
      let finding = try #require(diagnosis.findings.first)
      #expect(finding.object.hasPrefix("pod stuck-"))
      if backend.isFake {
        #expect(finding.problem == "ImagePullBackOff")
        #expect(finding.detail.hasPrefix("image=registry.invalid/sstest/app:1.0 (Back-off pulling image"))
      } else {
        #expect(finding.problem == "Pending")
        #expect(finding.detail.contains("Unschedulable"))
        // 1.20's scheduler words a nodeSelector mismatch as node affinity.
        #expect(finding.detail.contains("0/3 nodes are available: 3 node(s) didn't match"))
      }
      #expect(error.message.hasPrefix("deployment \(namespace)/stuck: not rolled out after 4.0s: 0/1"))
      #expect(error.message.contains(finding.description))
    }
  }

  @Test(
    "a crash-looping Deployment fails early at its progress deadline, naming exit code and restarts",
    arguments: KubeBackendKind.allCases)
  func crashLoopFailsEarly(_ kind: KubeBackendKind) async throws {
    if kind == .real {
      try KubeTestBackend.skip(kind, "hollow kubelets run every container successfully, so nothing crashes; skipped")
    }
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      _ = try await backend.fakeControl(.patch, "/fake/config", ["crashLoop": .array([.string("\(namespace)/*")])])
      _ = try await client.apply(Kube.deployment("crashy", namespace: namespace))
      let reference = ObjectReference(Kube.deployment, namespace: namespace, name: "crashy")
      // The timeout is far beyond the fake's 2 s progress deadline: conditionFailed, not a timeout, proves the
      // wait ended at the deadline (a loaded clean-clone run took 21 s to get there).
      let result = await Waiter(client: client).wait(for: reference, until: .rolledOut, timeout: .seconds(180))
      _ = try await backend.fakeControl(.patch, "/fake/config", ["crashLoop": []])
      let error = try #require(result.error)
      #expect(error.code == .conditionFailed, "the fake's 2 s progress deadline ends the wait before the timeout")
      #expect(result.elapsed < .seconds(120))
      let finding = try #require(result.diagnosis?.findings.first)
      #expect(finding.problem == "CrashLoopBackOff")
      #expect(finding.detail.contains("last termination: Error exit code 1"))
      #expect(finding.detail.contains("restarts="))
      #expect(
        error.message.hasPrefix(
          "deployment \(namespace)/crashy: will not become rolled out: exceeded its progress deadline"))
    }
  }

  @Test("delete with waitUntilGone returns once the object is gone", arguments: KubeBackendKind.allCases)
  func deleteAndWaitGone(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      _ = try await client.apply(Kube.deployment("doomed", namespace: namespace))
      let reference = ObjectReference(Kube.deployment, namespace: namespace, name: "doomed")
      let outcome = try await client.delete(
        reference, options: DeleteOptions(propagation: .foreground, waitUntilGone: true, timeout: .seconds(60)))
      #expect(outcome == .deleted)
      #expect(try await client.getIfExists(reference) == nil)
      #expect(try await client.delete(reference) == .notFound)
    }
  }

  @Test(
    "a CRD Established wait and a condition wait on a custom resource, one that holds reported even with no time left",
    arguments: KubeBackendKind.allCases)
  func established(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    let group = "e\(UUID().uuidString.prefix(6).lowercased()).sstest.example.com"
    let crd = try KubeApplyTests.crd(group: group)
    _ = try await client.apply(crd)
    let reference = ObjectReference(Kube.crd, name: "widgets.\(group)")
    let result = await Waiter(client: client).wait(for: reference, until: .established, timeout: .seconds(30))
    #expect(result.satisfied, "\(result)")
    let condition = await Waiter(client: client).wait(
      for: reference, until: .condition("NamesAccepted"), timeout: .seconds(30))
    #expect(condition.satisfied, "\(condition)")
    // No time at all: the timer wins the race with the list, and the condition, which holds, is still reported
    // as holding (a loaded CI run once reported "not NamesAccepted=True after 5.0s: NamesAccepted=True").
    let noTime = await Waiter(client: client).wait(for: reference, until: .condition("NamesAccepted"), timeout: .zero)
    #expect(noTime.satisfied, "\(noTime)")
    try await client.delete(reference, options: DeleteOptions(waitUntilGone: true, timeout: .seconds(30)))
  }

  @Test(
    "a Service without ready endpoints times out saying so in plain words (not \"not has ready endpoints\")",
    arguments: KubeBackendKind.allCases)
  func serviceWithoutEndpoints(_ kind: KubeBackendKind) async throws {
    let backend = try await KubeTestBackend.get(kind)
    let client = try backend.client()
    try await backend.withNamespace(client) { namespace in
      let service = KubeObject([
        "apiVersion": "v1", "kind": "Service", "metadata": ["name": "lonely", "namespace": .string(namespace)],
        "spec": ["selector": ["app": "nobody"], "ports": [["port": 80, "protocol": "TCP"]]],
      ])
      _ = try await client.apply(service)
      let reference = ObjectReference(GroupVersionKind.service, namespace: namespace, name: "lonely")
      let result = await Waiter(client: client).wait(for: reference, until: .serviceHasEndpoints, timeout: .seconds(2))
      let error = try #require(result.error)
      #expect(error.code == .waitTimeout)
      #expect(
        error.message.hasPrefix("service \(namespace)/lonely: no ready endpoints after 2.0s: "), "\(error.message)")
      #expect(!error.message.contains("not has"), "\(error.message)")
    }
  }
}
