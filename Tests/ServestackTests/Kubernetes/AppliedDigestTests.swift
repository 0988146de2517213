import Foundation
import ServestackCore
import Testing

@testable import Kubernetes

/// The no-op proof of a re-apply, on its own: which live objects count as holding a configuration.
@Suite("Applied digest")
struct AppliedDigestTests {
  static func live(
    _ desired: KubeObject, manager: String = "servestack", owned: Bool = true,
    edit: (inout JSONValue) -> Void = { _ in }
  )
    -> KubeObject
  {
    var json = desired.json
    json.remove(at: ["apiVersion"])
    json.remove(at: ["kind"])
    json.set("2026-11-22T00:00:00Z", at: ["metadata", "creationTimestamp"])
    json.set("42", at: ["metadata", "resourceVersion"])
    let fields: JSONValue = owned ? ["f:metadata": ["f:annotations": ["f:\(AppliedDigest.annotation)": [:]]]] : [:]
    json.set(
      .array([["manager": .string(manager), "operation": "Apply", "fieldsV1": fields]]),
      at: ["metadata", "managedFields"])
    edit(&json)
    return KubeObject(json)
  }

  static let deployment = AppliedDigest.annotated(
    KubeObject([
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": ["name": "app", "namespace": "ns", "creationTimestamp": .null],
      "spec": [
        "template": [
          "spec": [
            "containers": [
              [
                "name": "main", "image": "x:1", "env": [["name": "EMPTY", "value": ""]],
                "volumeMounts": [["name": "v", "mountPath": "/v", "readOnly": false]],
                "resources": ["limits": ["cpu": "1000m", "memory": "1Gi"], "requests": ["cpu": 1]],
              ]
            ]
          ]
        ]
      ],
    ]), manager: "servestack")

  @Test("the digest is the same for the same content and changes with it")
  func digest() {
    let a = AppliedDigest.annotated(
      KubeObject(["kind": "ConfigMap", "metadata": ["name": "a"], "data": ["k": "v"]]), manager: "servestack")
    let reordered = AppliedDigest.annotated(
      KubeObject(["data": ["k": "v"], "metadata": ["name": "a"], "kind": "ConfigMap"]), manager: "servestack")
    let other = AppliedDigest.annotated(
      KubeObject(["kind": "ConfigMap", "metadata": ["name": "a"], "data": ["k": "w"]]), manager: "servestack")
    let digest = a.annotations[AppliedDigest.annotation]
    #expect(digest?.hasPrefix("sha256:") == true)
    #expect(reordered.annotations[AppliedDigest.annotation] == digest)
    #expect(other.annotations[AppliedDigest.annotation] != digest)
    #expect(
      AppliedDigest.annotated(a, manager: "servestack").annotations[AppliedDigest.annotation] == digest,
      "annotating twice changes nothing")
  }

  @Test("each field manager has its own annotation key; names that cannot be part of a key are hashed")
  func keysPerManager() {
    #expect(AppliedDigest.annotation(for: "servestack") == "servestack.io/applied-digest")
    #expect(
      AppliedDigest.annotation(for: "servestack-conformance") == "servestack.io/applied-digest-servestack-conformance")
    let odd = AppliedDigest.annotation(for: "my tool/v2")
    #expect(odd.hasPrefix("servestack.io/applied-digest-") && odd.count == "servestack.io/applied-digest-".count + 16)
    let long = AppliedDigest.annotation(for: String(repeating: "a", count: 50))
    #expect(long.count == "servestack.io/applied-digest-".count + 16)
  }

  @Test(
    "defaults, normalized quantities, dropped zero values and a replaced creationTimestamp still hold the configuration"
  )
  func normalizationsHold() {
    let live = Self.live(Self.deployment) { json in
      json.set(
        .array([
          [
            "name": "main", "image": "x:1", "imagePullPolicy": "IfNotPresent", "env": [["name": "EMPTY"]],
            "volumeMounts": [["name": "v", "mountPath": "/v"]],
            "resources": ["limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "1"]],
          ]
        ]), at: ["spec", "template", "spec", "containers"])
      json.set(1, at: ["spec", "replicas"])
    }
    #expect(AppliedDigest.isNoOp(applying: Self.deployment, over: live, manager: "servestack"))
  }

  @Test("a changed value, a shorter list, another manager's digest or a foreign digest mean the apply is sent")
  func differencesAreApplied() {
    let desired = Self.deployment
    let changedQuantity = Self.live(desired) { json in
      var containers = json[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
      containers[0].set("2", at: ["resources", "limits", "cpu"])
      json.set(.array(containers), at: ["spec", "template", "spec", "containers"])
    }
    let noContainers = Self.live(desired) { $0.set(.array([]), at: ["spec", "template", "spec", "containers"]) }
    let otherDigest = Self.live(desired) {
      $0.set("sha256:00", at: ["metadata", "annotations", AppliedDigest.annotation])
    }
    #expect(AppliedDigest.isNoOp(applying: desired, over: Self.live(desired), manager: "servestack"))
    #expect(!AppliedDigest.isNoOp(applying: desired, over: changedQuantity, manager: "servestack"))
    #expect(!AppliedDigest.isNoOp(applying: desired, over: noContainers, manager: "servestack"))
    #expect(!AppliedDigest.isNoOp(applying: desired, over: otherDigest, manager: "servestack"))
    #expect(
      !AppliedDigest.isNoOp(applying: desired, over: Self.live(desired, manager: "kubectl"), manager: "servestack"))
    #expect(!AppliedDigest.isNoOp(applying: desired, over: Self.live(desired, owned: false), manager: "servestack"))
  }

  @Test("zero values count as unset only for built-in types")
  func zeroValuesOfCustomResources() {
    let widget = AppliedDigest.annotated(
      KubeObject([
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"],
        "spec": ["paused": false, "note": ""],
      ]),
      manager: "servestack")
    let dropped = Self.live(widget) { $0.set(["other": 1], at: ["spec"]) }
    #expect(!AppliedDigest.isNoOp(applying: widget, over: dropped, manager: "servestack"))
    #expect(AppliedDigest.isNoOp(applying: widget, over: Self.live(widget), manager: "servestack"))
    #expect(
      AppliedDigest.isBuiltIn("") && AppliedDigest.isBuiltIn("apps")
        && AppliedDigest.isBuiltIn("rbac.authorization.k8s.io"))
    #expect(!AppliedDigest.isBuiltIn("serving.kserve.io"))
  }

  @Test(
    "quantities compare by value",
    arguments: [
      ("1000m", "1", true), ("1Gi", "1024Mi", true), ("1e3", "1k", true), ("0.5", "500m", true), ("1E", "1000P", true),
      ("1", "1001m", false), ("1Gi", "1G", false),
    ])
  func quantities(_ a: String, _ b: String, _ equal: Bool) throws {
    #expect((try Quantity(a) == Quantity(b)) == equal)
  }

  @Test("whole quantities as numbers (GPU counts, allocatable resources)")
  func wholeValues() {
    #expect(Quantity(json: "2k")?.wholeValue == 2000)
    #expect(Quantity(json: 4)?.wholeValue == 4)
    #expect(Quantity(json: "4")?.wholeValue == 4)
    #expect(Quantity(json: "1500m")?.wholeValue == nil)
    #expect(Quantity(json: "1Ki")?.wholeValue == 1024)
    #expect(Quantity(json: true) == nil)
  }

  @Test("malformed quantities are refused", arguments: ["", "m", "1.2.3", "1Qi", "--1", "1e", ".5", "1e999"])
  func badQuantities(_ text: String) {
    #expect(throws: ValueError.self) { try Quantity(text) }
  }
}
