import Images
import Registry
import ServestackCore
import Testing
import YAML

@Suite("Image extraction")
struct ImageExtractorTests {
  static func extract(_ yaml: String) throws -> ImageExtraction {
    ImageExtractor().extract(from: try YAMLParser.parseDocuments(yaml), file: "test.yaml")
  }

  static func found(_ extraction: ImageExtraction) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for occurrence in extraction.occurrences {
      result[occurrence.reference.description, default: []].append(occurrence.why)
    }
    return result
  }

  @Test("containers, initContainers and ephemeralContainers of every workload kind")
  func workloads() throws {
    let podSpec = [
      #"      containers: [{name: a, image: "a/main:1"}]"#,
      #"      initContainers: [{name: b, image: "a/init:1"}]"#,
      #"      ephemeralContainers: [{name: c, image: "a/debug:1"}]"#,
    ].joined(separator: "\n")
    let kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"]
    var yaml = kinds.map { kind in
      "apiVersion: apps/v1\nkind: \(kind)\nmetadata: {name: w-\(kind.lowercased()), namespace: ns}\nspec:\n  template:\n    spec:\n\(podSpec)\n"
    }.joined(separator: "---\n")
    yaml += """
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        containers: [{name: x, image: "pod/only:2"}]
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: cj, namespace: ns}
      spec:
        jobTemplate:
          spec:
            template:
              spec:
                containers: [{name: x, image: "cron/job:3"}]
      ---
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata: {name: ksvc}
      spec:
        template:
          spec:
            containers: [{image: "ksvc/app@sha256:\(String(repeating: "a", count: 64))"}]
      ---
      apiVersion: serving.knative.dev/v1
      kind: Revision
      metadata: {name: rev}
      spec:
        containers: [{image: "rev/app:1"}]
      ---
      apiVersion: v1
      kind: List
      items:
      - apiVersion: v1
        kind: Pod
        metadata: {name: in-list}
        spec:
          containers: [{name: x, image: "list/item:1"}]
      """
    let found = Self.found(try Self.extract(yaml))
    #expect(found["docker.io/a/main:1"]?.count == kinds.count)
    #expect(
      found["docker.io/a/init:1"]?.contains("StatefulSet ns/w-statefulset spec.template.spec.initContainers[0].image")
        == true)
    #expect(
      found["docker.io/a/debug:1"]?.contains("Job ns/w-job spec.template.spec.ephemeralContainers[0].image") == true)
    #expect(found["docker.io/pod/only:2"] == ["Pod p spec.containers[0].image"])
    #expect(found["docker.io/cron/job:3"] == ["CronJob ns/cj spec.jobTemplate.spec.template.spec.containers[0].image"])
    #expect(
      found["docker.io/ksvc/app@sha256:\(String(repeating: "a", count: 64))"] == [
        "Service ksvc spec.template.spec.containers[0].image"
      ])
    #expect(found["docker.io/rev/app:1"] != nil)
    #expect(found["docker.io/list/item:1"] == ["Pod in-list spec.containers[0].image"])
  }

  @Test("serving runtimes, LLMInferenceServiceConfig, env *_IMAGE, --*image= flags; CRDs skipped")
  func kserveAndFlags() throws {
    let yaml = """
      apiVersion: serving.kserve.io/v1alpha1
      kind: ClusterServingRuntime
      metadata: {name: kserve-sklearnserver}
      spec:
        containers: [{name: kserve-container, image: "kserve/sklearnserver:v0.16.0"}]
        workerSpec:
          containers: [{name: w, image: "kserve/huggingfaceserver:v0.16.0-gpu"}]
      ---
      apiVersion: serving.kserve.io/v1alpha1
      kind: ServingRuntime
      metadata: {name: rt, namespace: models}
      spec:
        containers: [{name: c, image: "nvcr.io/nvidia/tritonserver:23.05-py3"}]
      ---
      apiVersion: serving.kserve.io/v1alpha1
      kind: LLMInferenceServiceConfig
      metadata: {name: llm, namespace: kserve}
      spec:
        router:
          scheduler:
            template:
              containers: [{name: main, image: "ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0"}]
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: cert-manager, namespace: cert-manager}
      spec:
        template:
          metadata:
            annotations: {sidecar.istio.io/proxyImage: "docker.io/istio/proxyv2:1.27.1"}
          spec:
            containers:
            - name: c
              image: quay.io/jetstack/cert-manager-controller:v1.16.1
              imagePullPolicy: IfNotPresent
              args: ["--v=2", "--acme-http01-solver-image=quay.io/jetstack/cert-manager-acmesolver:v1.16.1", "--image-tag=1"]
              env:
              - {name: QUEUE_SIDECAR_IMAGE, value: "gcr.io/knative-releases/queue:1"}
              - {name: NOT_AN_IMAGE_NAME, value: "x"}
              - {name: EMPTY_IMAGE, value: ""}
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: x.example}
      spec:
        versions: [{name: v1, schema: {openAPIV3Schema: {properties: {image: {type: string}}}}, default: {image: "crd/default:1"}}]
      ---
      image: not-an-object/helm-values
      """
    let extraction = try Self.extract(yaml)
    let found = Self.found(extraction)
    #expect(
      found["docker.io/kserve/sklearnserver:v0.16.0"] == [
        "ClusterServingRuntime kserve-sklearnserver spec.containers[0].image"
      ])
    #expect(
      found["docker.io/kserve/huggingfaceserver:v0.16.0-gpu"] == [
        "ClusterServingRuntime kserve-sklearnserver spec.workerSpec.containers[0].image"
      ])
    #expect(found["nvcr.io/nvidia/tritonserver:23.05-py3"] == ["ServingRuntime models/rt spec.containers[0].image"])
    #expect(found["ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0"] != nil)
    #expect(
      found["quay.io/jetstack/cert-manager-acmesolver:v1.16.1"]
        == [
          "Deployment cert-manager/cert-manager spec.template.spec.containers[0].args[1] (flag --acme-http01-solver-image)"
        ])
    #expect(
      found["gcr.io/knative-releases/queue:1"]
        == [
          "Deployment cert-manager/cert-manager spec.template.spec.containers[0].env[0].value (env QUEUE_SIDECAR_IMAGE)"
        ])
    #expect(
      found["docker.io/istio/proxyv2:1.27.1"]
        == [#"Deployment cert-manager/cert-manager spec.template.metadata.annotations["sidecar.istio.io/proxyImage"]"#])
    // `--image-tag=1` names no repository: flag values count only when they hold a `/`.
    #expect(found["docker.io/library/1:latest"] == nil)
    #expect(extraction.problems.isEmpty)
    #expect(found.keys.contains { $0.contains("crd/default") } == false)
    #expect(found.keys.contains { $0.contains("helm-values") } == false)
    #expect(found.keys.contains { $0.contains("IfNotPresent") } == false)
  }

  @Test("ConfigMaps: KServe's inferenceservice-config JSON, Knative's queue-sidecar-image, _example skipped")
  func configMaps() throws {
    let yaml = #"""
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: inferenceservice-config, namespace: kserve}
      data:
        _example: |
          queue-sidecar-image: example.com/ignored:1
        storageInitializer: |-
          {"image": "kserve/storage-initializer:v0.16.0", "memoryRequest": "100Mi"}
        explainers: |-
          {"art": {"image": "kserve/art-explainer", "defaultImageVersion": "latest"}}
        localModel: |-
          {"enabled": false, "defaultJobImage": "kserve/storage-initializer:v0.16.0"}
        notJSON: "{broken"
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: config-deployment, namespace: knative-serving}
      data:
        queue-sidecar-image: gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:56142833a9f87213e055045f0ea59c3f00f024d095c052f7669f7b9d77c55e54
        queueSidecarImage: gcr.io/knative-releases/queue:camel
        registries-skipping-tag-resolving: "kind.local,ko.local,dev.local"
      """#
    let found = Self.found(try Self.extract(yaml))
    #expect(
      Set(found["docker.io/kserve/storage-initializer:v0.16.0"] ?? []) == [
        "ConfigMap kserve/inferenceservice-config data.storageInitializer → image",
        "ConfigMap kserve/inferenceservice-config data.localModel → defaultJobImage",
      ])
    #expect(
      found["docker.io/kserve/art-explainer:latest"]
        == ["ConfigMap kserve/inferenceservice-config data.explainers → art.image (art.image + defaultImageVersion)"])
    #expect(
      found[
        "gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:56142833a9f87213e055045f0ea59c3f00f024d095c052f7669f7b9d77c55e54"
      ]
        == ["ConfigMap knative-serving/config-deployment data.queue-sidecar-image"])
    #expect(found["gcr.io/knative-releases/queue:camel"] != nil)
    #expect(found.keys.contains { $0.contains("ignored") } == false)
    #expect(found.count == 4)
  }

  @Test("Istio: image: auto resolved from the injector values; hub/tag composition; template text")
  func istio() throws {
    let injector = #"""
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: istio-sidecar-injector, namespace: istio-system}
      data:
        values: |-
          {"global": {"hub": "docker.io/istio", "tag": "1.27.1", "proxy": {"image": "proxyv2"}, "proxy_init": {"image": "proxyv2"}}}
        config: |-
          templates:
            grpc-simple: |
              spec:
                initContainers:
                  - name: grpc-bootstrap-init
                    image: busybox:1.28
                containers:
                - name: istio-proxy
                  image: "{{ .ProxyImage }}"
      """#
    let gateway = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: istio-ingressgateway, namespace: istio-system}
      spec:
        template:
          metadata: {annotations: {inject.istio.io/templates: gateway}}
          spec:
            containers: [{name: istio-proxy, image: auto}]
      """
    let found = Self.found(try Self.extract(injector + "\n---\n" + gateway))
    let proxy = try #require(found["docker.io/istio/proxyv2:1.27.1"])
    #expect(
      proxy.contains(
        "Deployment istio-system/istio-ingressgateway spec.template.spec.containers[0].image (image: auto, resolved from ConfigMap istio-system/istio-sidecar-injector global.hub + global.proxy.image + global.tag)"
      ))
    #expect(
      proxy.contains(
        "ConfigMap istio-system/istio-sidecar-injector data.values → global.proxy.image (global.hub + image + global.tag)"
      ))
    #expect(
      found["docker.io/library/busybox:1.28"] == [
        "ConfigMap istio-system/istio-sidecar-injector data.config (line 6) (template text)"
      ])
    #expect(found.count == 2)

    // Without the injector, `auto` cannot be resolved: reported as a problem, not listed.
    let alone = try Self.extract(gateway)
    #expect(alone.references.isEmpty)
    #expect(alone.problems.count == 1)
    #expect(alone.problems.first?.text == "auto")
  }

  @Test("invalid image strings are problems, not references")
  func problems() throws {
    let extraction = try Self.extract(
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: p, namespace: n}
      spec:
        containers: [{name: a, image: "Registry.IO/UPPER/Case:1"}, {name: b, image: ""}, {name: c, image: "ok:1"}]
      """)
    #expect(extraction.references.map(\.description) == ["docker.io/library/ok:1"])
    #expect(extraction.problems.count == 1)
    #expect(extraction.problems.first?.field == "spec.containers[0].image")
    #expect(extraction.problems.first?.problem.contains("lower case") == true)
  }
}
