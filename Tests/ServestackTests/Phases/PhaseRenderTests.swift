import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing

/// Rendering the built-in phases from a local mirror of the upstream release files.
@Suite(.enabled(if: TestEnvironment.hasUpstreamFixtures, "needs ../shared/fixtures/upstream; skipped"))
struct PhaseRenderTests {
  func object(_ rendered: RenderedPhase, _ kind: String, _ namespace: String, _ name: String) throws -> JSONValue {
    try #require(
      rendered.objects.first {
        $0["kind"]?.stringValue == kind && $0[path: ["metadata", "namespace"]]?.stringValue == namespace
          && $0[path: ["metadata", "name"]]?.stringValue == name
      }, "\(kind) \(namespace)/\(name) in \(rendered.name)")
  }

  func heldJSON(_ configMap: JSONValue, _ key: String) throws -> JSONValue {
    try JSONValue(parsing: try #require(configMap[path: ["data", key]]?.stringValue))
  }

  func render(
    _ profile: Profile, mirror: ManifestMirror, cache: URL, domain: String = "example.com", only: [String] = []
  ) async throws -> [RenderedPhase] {
    let fetcher = try ManifestFetcher(options: .init(cacheDirectory: cache, mirror: mirror.base))
    let parameters = try PhaseParameters(profile: profile, overrides: ["domain": domain])
    let phases = try PhaseSet.builtin().selection(profile: profile, kinds: [.install], only: only)
    return try await PhaseRenderer(fetcher: fetcher, parameters: parameters).render(phases)
  }

  @Test("every profile renders with its patches and the cache is reused")
  func everyProfileRendersWithItsPatchesAndTheCacheIsReused() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try await TestBlocking.run { try ManifestMirror(fixtures: fixtures) }
    let cache = try TemporaryDirectory(prefix: "servestack-manifest-cache")

    let serverless = try await render(.serverless, mirror: mirror, cache: cache.url, domain: "models.test")
    #expect(
      serverless.map(\.name.rawValue) == [
        "cert-manager", "istio", "knative-serving", "net-istio", "kserve", "kserve-cluster-resources",
      ])
    #expect(mirror.requests.count == 7, "\(mirror.requests)")
    #expect(mirror.requests.allSatisfy { $0.hasSuffix(" 200") })
    let knative = try #require(serverless.first { $0.name.rawValue == "knative-serving" })
    #expect(
      try object(knative, "ConfigMap", "knative-serving", "config-network")[path: ["data", "ingress-class"]]
        == "istio.ingress.networking.knative.dev")
    #expect(try object(knative, "ConfigMap", "knative-serving", "config-domain")[path: ["data", "models.test"]] == "")
    let skipping = try object(knative, "ConfigMap", "knative-serving", "config-deployment")[path: [
      "data", "registries-skipping-tag-resolving",
    ]]
    #expect(skipping?.stringValue?.hasPrefix("kind.local,ko.local,dev.local,") == true)
    // Manifest order is kept: serving-crds' objects come before serving-core's.
    #expect(knative.manifests.map(\.source.fileName) == ["serving-crds.yaml", "serving-core.yaml"])
    #expect(knative.manifests[0].objectRange == 0..<12)
    #expect(knative.objects.count == 12 + 59)
    let kserve = try #require(serverless.first { $0.name.rawValue == "kserve" })
    let config = try object(kserve, "ConfigMap", "kserve", "inferenceservice-config")
    #expect(try heldJSON(config, "deploy")["defaultDeploymentMode"] == "Serverless")
    let ingress = try heldJSON(config, "ingress")
    #expect(ingress["ingressDomain"] == "models.test")
    #expect(ingress["disableIstioVirtualHost"] == false)
    #expect(ingress["ingressGateway"] == "knative-serving/knative-ingress-gateway", "other keys survive the merge")
    // Only probes for webhooks every KServe version has; the rest are generated from the webhooks' rules.
    #expect(
      kserve.webhookProbes.map(\.webhook) == [
        "inferenceservice.kserve-webhook-server.validator", "clusterservingruntime.kserve-webhook-server.validator",
      ])
    #expect(!kserve.webhookProbes.contains { $0.object.serialized().contains("${") })

    let kourier = try await render(.serverlessKourier, mirror: mirror, cache: cache.url)
    #expect(mirror.requests.count == 8, "only kourier.yaml is new: \(mirror.requests)")
    let kourierKnative = try #require(kourier.first { $0.name.rawValue == "knative-serving" })
    #expect(
      try object(kourierKnative, "ConfigMap", "knative-serving", "config-network")[path: ["data", "ingress-class"]]
        == "kourier.ingress.networking.knative.dev")
    #expect(
      try object(kourierKnative, "ConfigMap", "knative-serving", "config-domain")[path: ["data", "example.com"]] == "")
    let kourierKServe = try #require(kourier.first { $0.name.rawValue == "kserve" })
    let kourierIngress = try heldJSON(
      try object(kourierKServe, "ConfigMap", "kserve", "inferenceservice-config"), "ingress")
    #expect(kourierIngress["disableIstioVirtualHost"] == true)

    let raw = try await render(.raw, mirror: mirror, cache: cache.url)
    #expect(raw.map(\.name.rawValue) == ["cert-manager", "kserve", "kserve-cluster-resources"])
    let rawKServe = try #require(raw.first { $0.name.rawValue == "kserve" })
    let rawConfig = try object(rawKServe, "ConfigMap", "kserve", "inferenceservice-config")
    #expect(try heldJSON(rawConfig, "deploy")["defaultDeploymentMode"] == "RawDeployment")
    #expect(try heldJSON(rawConfig, "ingress")["disableIstioVirtualHost"] == false)

    // Digests: a changed patch value or profile changes them; the same inputs give the same digest.
    #expect(rawKServe.digest != kourierKServe.digest)
    #expect(raw[0].digest == kourier[0].digest, "cert-manager does not depend on the profile")
    let again = try await render(.serverless, mirror: mirror, cache: cache.url, domain: "models.test")
    #expect(mirror.requests.count == 8, "the second render is served from the cache: \(mirror.requests)")
    #expect(again.map(\.digest) == serverless.map(\.digest))
    #expect(again[2].manifests.allSatisfy { if case .cache = $0.origin { true } else { false } })
    let otherDomain = try await render(
      .serverless, mirror: mirror, cache: cache.url, domain: "other.test", only: ["cert-manager", "knative-serving"])
    #expect(otherDomain[1].digest != serverless[2].digest)
    #expect(otherDomain[0].digest == serverless[0].digest)
  }

  @Test("a pin mismatch names URL and hashes and caches nothing") func aPinMismatchNamesURLAndHashesAndCachesNothing()
    async throws
  {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let url = "https://github.com/kserve/kserve/releases/download/v0.16.0/kserve-cluster-resources.yaml"
    let tampered =
      try String(
        contentsOf: fixtures.appendingPathComponent("kserve/v0.16.0/kserve-cluster-resources.yaml"), encoding: .utf8)
      + "# tampered\n"
    let mirror = try await TestBlocking.run { try ManifestMirror(fixtures: fixtures, replace: [url: tampered]) }
    let cache = try TemporaryDirectory(prefix: "servestack-manifest-cache")
    let phase = try #require(try PhaseSet.builtin()[PhaseName("kserve-cluster-resources" as String)])
    let fetcher = try ManifestFetcher(options: .init(cacheDirectory: cache.url, mirror: mirror.base))
    let renderer = PhaseRenderer(fetcher: fetcher, parameters: try PhaseParameters(profile: .serverless))
    do throws(PhaseError) {
      _ = try await renderer.render(phase)
      Issue.record("a tampered manifest must not render")
    } catch {
      #expect(error.code == .digestMismatch)
      #expect(error.message.contains(url))
      #expect(error.message.contains("67bcdfe0bce80e813cb4b35fadba54dc8f26172651ee263318c93930fdf1934d"))
      #expect(error.message.contains(Digest.sha256(tampered).hex))
      // The pin is written in the catalog, so the error points there.
      #expect(error.file == "phases/versions/kserve.yaml")
      #expect(error.field == "versions[1].manifests[1]")
      #expect(error.line > 0)
    }
    #expect(mirror.requests.count == 1)
    // A path the mirror does not have: an HTTP error naming both URLs, and nothing cached either.
    let missing = ManifestSource(
      location: .url(
        "https://github.com/kserve/kserve/releases/download/v9.9.9/kserve.yaml",
        sha256: try Digest("sha256:" + PhaseFixtures.pin)),
      source: FileLocation(file: "test.yaml", line: 3, column: 5, field: "manifests[0]"))
    do throws(PhaseError) {
      _ = try await fetcher.fetch(missing, relativeTo: nil)
      Issue.record("a missing file must fail")
    } catch {
      #expect(error.code == .download)
      #expect(error.message.contains("HTTP 404"))
      #expect(error.message.contains("\(mirror.base)/kserve/kserve/releases/download/v9.9.9/kserve.yaml"))
      #expect((error.file, error.line, error.field) == ("test.yaml", 3, "manifests[0]"))
    }
    let left = try FileManager.default.contentsOfDirectory(atPath: cache.path)
    #expect(left.isEmpty, "nothing cached: \(left)")
  }

  @Test("offline plan summarises each phase") func offlinePlanSummarisesEachPhase() async throws {
    let fixtures = try #require(TestEnvironment.upstreamFixtures)
    let mirror = try await TestBlocking.run { try ManifestMirror(fixtures: fixtures) }
    let cache = try TemporaryDirectory(prefix: "servestack-manifest-cache")
    let fetcher = try ManifestFetcher(options: .init(cacheDirectory: cache.url, mirror: mirror.base))
    let phases = try PhaseSet.builtin().selection(profile: .raw)
    let plan = try await PhasePlanner.offlinePlan(
      phases, parameters: try PhaseParameters(profile: .raw), fetcher: fetcher,
      images: { [$0.name.rawValue + "-image"] })
    #expect(
      plan.phases.map(\.name.rawValue) == [
        "preflight", "cert-manager", "kserve", "kserve-cluster-resources", "smoke", "gpu-inference", "autoscaling",
        "canary",
      ])
    let kserve = try #require(plan.phases.first { $0.name.rawValue == "kserve" })
    #expect(kserve.component?.version == "v0.16.0")
    #expect(kserve.crds.count == 13)
    #expect(kserve.objectsByKind.first { $0.kind == "CustomResourceDefinition" }?.count == 13)
    #expect(kserve.namespaces == ["kserve"])
    #expect(
      kserve.webhooks.contains {
        $0.name == "inferenceservice.kserve-webhook-server.validator"
          && $0.service == "kserve/kserve-webhook-server-service"
      })
    #expect(kserve.webhooks.count == 10)
    #expect(kserve.waits.contains(.webhooksServing))
    #expect(kserve.images == ["kserve-image"])
    #expect(kserve.digest != nil)
    let preflight = try #require(plan.phases.first)
    #expect(preflight.digest == nil && preflight.checks.count > 5)
    let json = plan.json
    #expect(json["profile"] == "raw")
    #expect(json["phases"]?[2]?["crds"]?.arrayValue?.count == 13)
  }

  @Test("path manifests and patches that match nothing") func pathManifestsAndPatchesThatMatchNothing() async throws {
    let folder = try PhaseFolder()
    let manifest =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: demo}\ndata: {a: \"1\"}\n---\n"
    try folder.write("manifests/demo.yaml", manifest)
    try folder.write(
      "phases/10-demo.yaml",
      """
      name: demo
      kind: install
      manifests:
        - path: ../manifests/demo.yaml
          sha256: \(Digest.sha256(manifest).hex)
      patches:
        - target: {kind: ConfigMap, namespace: demo, name: settings}
          merge: {data: {b: "${profile}"}}
        - target: {kind: ConfigMap, namespace: demo, name: setings}
          merge: {data: {c: x}}
      """)
    let set = try PhaseSet.load(directory: folder.url.appendingPathComponent("phases"))
    let cache = try TemporaryDirectory(prefix: "servestack-manifest-cache")
    let fetcher = try ManifestFetcher(options: .init(cacheDirectory: cache.url, offline: true))
    let renderer = PhaseRenderer(fetcher: fetcher, parameters: try PhaseParameters(profile: .raw))
    do throws(PhaseError) {
      _ = try await renderer.render(set.phases[0])
      Issue.record("a patch that matches nothing must fail")
    } catch {
      #expect(error.code == .patchTargetMissing)
      #expect(error.file?.hasSuffix("phases/10-demo.yaml") == true)
      #expect((error.line, error.field) == (9, "patches[1]"))
      #expect(error.message.contains("ConfigMap demo/setings"))
    }
    try folder.write("manifests/demo.yaml", manifest + "# changed\n")
    do throws(PhaseError) {
      _ = try await renderer.render(set.phases[0])
      Issue.record("a changed path manifest must fail its pin")
    } catch {
      #expect(error.code == .digestMismatch)
      #expect(error.field == "manifests[0]")
    }
  }
}
