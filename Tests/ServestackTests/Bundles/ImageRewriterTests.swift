import Foundation
import Images
import Phases
import Registry
import ServestackCore
import TestSupport
import Testing
import YAML

@Suite("Image reference rewriting")
struct ImageRewriterTests {
  let rewriter: ImageRewriter

  init() throws { rewriter = try ImageRewriter(target: "10.61.3.31:35000/site") }

  func rewrite(_ yaml: String, options: ImageRewriter.Options = ImageRewriter.Options()) throws -> ImageRewriteResult {
    let objects = try YAMLParser.parseDocuments(yaml)
    return try ImageRewriter(target: "10.61.3.31:35000/site", options: options).rewrite(objects)
  }

  @Test("references keep path tag and digest as written") func referencesKeepPathTagAndDigestAsWritten() {
    #expect(rewriter.rewrite(reference: "docker.io/istio/pilot:1.27.1") == "10.61.3.31:35000/site/istio/pilot:1.27.1")
    #expect(rewriter.rewrite(reference: "nginx:1.25") == "10.61.3.31:35000/site/library/nginx:1.25")
    let digest = "sha256:" + String(repeating: "a", count: 64)
    #expect(
      rewriter.rewrite(reference: "gcr.io/knative-releases/knative.dev/serving/cmd/queue@\(digest)")
        == "10.61.3.31:35000/site/knative-releases/knative.dev/serving/cmd/queue@\(digest)")
    #expect(rewriter.rewrite(reference: "quay.io/a/b:1@\(digest)") == "10.61.3.31:35000/site/a/b:1@\(digest)")
    #expect(rewriter.rewrite(reference: "kserve/agent") == "10.61.3.31:35000/site/kserve/agent", "no tag added")
    #expect(rewriter.rewrite(reference: "localhost:5000/x:1") == "10.61.3.31:35000/site/x:1")
    #expect(rewriter.rewrite(reference: "10.61.3.31:35000/site/istio/pilot:1") == nil, "already there")
    #expect(rewriter.rewrite(reference: "auto") == nil)
    #expect(rewriter.rewrite(hub: "docker.io/istio") == "10.61.3.31:35000/site/istio")
    #expect(throws: ValueError.self) { try ImageRewriter(target: "UPPER CASE/x") }
  }

  @Test("containers of every workload kind") func containersOfEveryWorkloadKind() throws {
    let result = try rewrite(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: demo}
      spec:
        template:
          spec:
            initContainers: [{name: init, image: "busybox:1.36"}]
            containers: [{name: app, image: docker.io/istio/pilot:1.27.1}]
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: job, namespace: demo}
      spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: "registry.k8s.io/pause:3.9"}]}}}}}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: ds, namespace: demo}
      spec: {template: {spec: {ephemeralContainers: [{name: e, image: "ghcr.io/a/debug:1"}], containers: [{name: c, image: "quay.io/a/b:2"}]}}}
      """)
    #expect(result.isClean, "\(result.leftoverSummary)")
    #expect(result.changes.count == 5)
    let deployment = result.objects[0]
    #expect(
      deployment[path: ["spec", "template", "spec"]]?["initContainers"]?[0]?["image"]
        == "10.61.3.31:35000/site/library/busybox:1.36")
    #expect(
      deployment[path: ["spec", "template", "spec"]]?["containers"]?[0]?["image"]
        == "10.61.3.31:35000/site/istio/pilot:1.27.1")
    #expect(
      result.changes.contains {
        $0.field == "spec.jobTemplate.spec.template.spec.containers[0].image"
          && $0.to == "10.61.3.31:35000/site/pause:3.9"
      })
    #expect(
      result.objects[2][path: ["spec", "template", "spec"]]?["ephemeralContainers"]?[0]?["image"]
        == "10.61.3.31:35000/site/a/debug:1")
  }

  @Test("serving runtime images") func servingRuntimeImages() throws {
    let result = try rewrite(
      """
      apiVersion: serving.kserve.io/v1alpha1
      kind: ClusterServingRuntime
      metadata: {name: kserve-sklearnserver}
      spec:
        supportedModelFormats: [{name: sklearn, version: "1"}]
        containers: [{name: kserve-container, image: "kserve/sklearnserver:v0.16.0", args: ["--model_name={{.Name}}"]}]
      ---
      apiVersion: serving.kserve.io/v1alpha1
      kind: ServingRuntime
      metadata: {name: rt, namespace: demo}
      spec: {containers: [{name: c, image: "nvcr.io/nvidia/tritonserver:23.05-py3"}]}
      """)
    #expect(result.isClean)
    #expect(
      result.objects[0][path: ["spec", "containers"]]?[0]?["image"]
        == "10.61.3.31:35000/site/kserve/sklearnserver:v0.16.0")
    #expect(
      result.objects[0][path: ["spec", "containers"]]?[0]?["args"]?[0] == "--model_name={{.Name}}",
      "not an image flag: untouched")
    #expect(
      result.objects[1][path: ["spec", "containers"]]?[0]?["image"]
        == "10.61.3.31:35000/site/nvidia/tritonserver:23.05-py3")
  }

  @Test("knative queue sidecar and tag resolution") func knativeQueueSidecarAndTagResolution() throws {
    let digest = "sha256:" + String(repeating: "5", count: 64)
    let result = try rewrite(
      """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: config-deployment, namespace: knative-serving}
      data:
        _example: "queue-sidecar-image: example.com/not/rewritten"
        queue-sidecar-image: gcr.io/knative-releases/knative.dev/serving/cmd/queue@\(digest)
        registries-skipping-tag-resolving: "kind.local,ko.local,dev.local,docker.io"
      """)
    #expect(result.isClean)
    let data = result.objects[0]["data"]
    #expect(
      data?["queue-sidecar-image"]
        == .string("10.61.3.31:35000/site/knative-releases/knative.dev/serving/cmd/queue@\(digest)"))
    #expect(data?["registries-skipping-tag-resolving"] == "10.61.3.31:35000")
    #expect(data?["_example"] == "queue-sidecar-image: example.com/not/rewritten", "documentation is left alone")
  }

  @Test("json held by config maps K serve style") func jsonHeldByConfigMapsKServeStyle() throws {
    let config = """
      {
        "storageInitializer": {"image": "kserve/storage-initializer:v0.16.0", "memoryRequest": "100Mi"},
        "agent": {"image": "kserve/agent", "defaultImageVersion": "v0.16.0"},
        "explainers": {"art": {"image": "kserve/art-explainer", "defaultImageVersion": "v0.16.0"}}
      }
      """
    let object: JSONValue = [
      "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "inferenceservice-config", "namespace": "kserve"],
      "data": ["storageInitializer": .string(config), "plain": "no image here"],
    ]
    let result = try ImageRewriter(target: "10.61.3.31:35000/site").rewrite([object])
    #expect(result.isClean, "\(result.leftoverSummary)")
    let held = try JSONValue(
      parsing: try #require(result.objects[0][path: ["data", "storageInitializer"]]?.stringValue))
    #expect(held[path: ["storageInitializer", "image"]] == "10.61.3.31:35000/site/kserve/storage-initializer:v0.16.0")
    #expect(held[path: ["agent", "image"]] == "10.61.3.31:35000/site/kserve/agent", "KServe adds defaultImageVersion")
    #expect(held[path: ["storageInitializer", "memoryRequest"]] == "100Mi", "other members survive")
    #expect(result.objects[0][path: ["data", "plain"]] == "no image here")
    // The extractor composes image + defaultImageVersion; the composed reference is in the registry.
    let extracted = ImageExtractor().extract(from: result.objects).references.map(\.description)
    #expect(extracted.contains("10.61.3.31:35000/site/kserve/agent:v0.16.0"))
  }

  @Test("istio hub tag values and template text") func istioHubTagValuesAndTemplateText() throws {
    let values =
      #"{"global": {"hub": "docker.io/istio", "tag": "1.27.1", "proxy": {"image": "proxyv2"}}, "pilot": {"image": "pilot"}}"#
    let template =
      "spec:\n  containers:\n  - name: istio-proxy\n    image: \"docker.io/istio/proxyv2:1.27.1\"\n  - image: {{ .Values.x }}\n"
    let object: JSONValue = [
      "apiVersion": "v1", "kind": "ConfigMap",
      "metadata": ["name": "istio-sidecar-injector", "namespace": "istio-system"],
      "data": ["values": .string(values), "config": .string(template)],
    ]
    let gateway: JSONValue = [
      "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "gw", "namespace": "istio-system"],
      "spec": ["template": ["spec": ["containers": [["name": "istio-proxy", "image": "auto"]]]]],
    ]
    let result = try ImageRewriter(target: "10.61.3.31:35000/site").rewrite([object, gateway])
    #expect(result.isClean, "\(result.leftoverSummary)")
    let held = try JSONValue(parsing: try #require(result.objects[0][path: ["data", "values"]]?.stringValue))
    #expect(held[path: ["global", "hub"]] == "10.61.3.31:35000/site/istio")
    #expect(held[path: ["global", "proxy", "image"]] == "proxyv2", "bare names follow the hub")
    let text = try #require(result.objects[0][path: ["data", "config"]]?.stringValue)
    #expect(text.contains("    image: \"10.61.3.31:35000/site/istio/proxyv2:1.27.1\"\n"))
    #expect(text.contains("  - image: {{ .Values.x }}"))
    #expect(result.objects[1][path: ["spec", "template", "spec"]]?["containers"]?[0]?["image"] == "auto")
    let references = ImageExtractor().extract(from: result.objects).references.map(\.description)
    #expect(references.contains("10.61.3.31:35000/site/istio/proxyv2:1.27.1"), "image: auto resolves into the registry")
  }

  @Test("image flags in args and env images") func imageFlagsInArgsAndEnvImages() throws {
    let result = try rewrite(
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: cert-manager, namespace: cert-manager}
      spec:
        template:
          spec:
            containers:
            - name: controller
              image: quay.io/jetstack/cert-manager-controller:v1.16.1
              args: ["--v=2", "--acme-http01-solver-image=quay.io/jetstack/cert-manager-acmesolver:v1.16.1", "--max-concurrent-challenges=60"]
              env:
              - {name: SOLVER_IMAGE, value: "quay.io/jetstack/cert-manager-acmesolver:v1.16.1"}
              - {name: POD_NAMESPACE, value: "cert-manager"}
      """)
    #expect(result.isClean)
    let container = try #require(result.objects[0][path: ["spec", "template", "spec"]]?["containers"]?[0])
    #expect(
      container["args"]?[1]
        == "--acme-http01-solver-image=10.61.3.31:35000/site/jetstack/cert-manager-acmesolver:v1.16.1")
    #expect(container["args"]?[0] == "--v=2")
    #expect(container["env"]?[0]?["value"] == "10.61.3.31:35000/site/jetstack/cert-manager-acmesolver:v1.16.1")
    #expect(container["env"]?[1]?["value"] == "cert-manager")
  }

  @Test("storage UR is of carried models") func storageURIsOfCarriedModels() throws {
    var options = ImageRewriter.Options()
    options.storageURIs = [
      "gs://kfserving-examples/models/sklearn/1.0/model": "oci://10.61.3.31:35000/site/models/sklearn-iris:1.0"
    ]
    let result = try rewrite(
      """
      apiVersion: serving.kserve.io/v1beta1
      kind: InferenceService
      metadata: {name: sklearn-iris}
      spec: {predictor: {model: {modelFormat: {name: sklearn}, storageUri: "gs://kfserving-examples/models/sklearn/1.0/model"}}}
      """, options: options)
    #expect(
      result.objects[0][path: ["spec", "predictor", "model", "storageUri"]]
        == "oci://10.61.3.31:35000/site/models/sklearn-iris:1.0")
  }

  @Test("leftover check catches a skipped reference") func leftoverCheckCatchesASkippedReference() throws {
    var options = ImageRewriter.Options()
    options.skip = { object, field in object.kind == "ConfigMap" && field.hasPrefix("data.agent") }
    let object: JSONValue = [
      "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "inferenceservice-config", "namespace": "kserve"],
      "data": ["agent": #"{"image": "kserve/agent:v0.16.0"}"#, "logger": #"{"image": "kserve/logger:v0.16.0"}"#],
    ]
    let result = try ImageRewriter(target: "10.61.3.31:35000/site", options: options).rewrite([object])
    #expect(!result.isClean)
    #expect(result.leftovers.count == 1)
    let leftover = try #require(result.leftovers.first)
    #expect(leftover.reference.description == "docker.io/kserve/agent:v0.16.0")
    #expect(leftover.object.description == "ConfigMap kserve/inferenceservice-config")
    #expect(leftover.field == "data.agent → image")
    #expect(result.leftoverSummary.contains("kserve/agent:v0.16.0"))
  }

  @Test(
    "every upstream manifest rewrites clean",
    .enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream"))
  func everyUpstreamManifestRewritesClean() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try ManifestMirror(fixtures: fixtures)
    let cache = try TemporaryDirectory(prefix: "servestack-manifest-cache")
    let fetcher = try ManifestFetcher(options: .init(cacheDirectory: cache.url, mirror: mirror.base))
    for profile in Profile.allCases {
      let phases = try PhaseSet.builtin().selection(profile: profile, kinds: [.install])
      let rendered = try await PhaseRenderer(fetcher: fetcher, parameters: try PhaseParameters(profile: profile))
        .render(phases)
      let objects = rendered.flatMap(\.objects)
      let before = ImageExtractor().extract(from: objects).references
      #expect(before.count > 5)
      let result = rewriter.rewrite(objects)
      #expect(result.isClean, "\(profile): \(result.leftoverSummary)")
      let after = ImageExtractor().extract(from: result.objects).references
      #expect(after.count == before.count, "\(profile): every image still found once")
      #expect(Set(after) == Set(try before.map { try $0.rewritten(toRegistry: "10.61.3.31:35000/site") }))
    }
  }
}
