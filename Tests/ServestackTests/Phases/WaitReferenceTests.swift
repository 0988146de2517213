import Foundation
import Kubernetes
import Phases
import ServestackCore
import TestSupport
import Testing

/// A wait or webhook probe naming an object that nothing creates is refused before anything is applied
/// (instead of waiting out the phase's timeout), naming the file and line; `plan --offline` warns of it.
@Suite("Waits on objects no phase creates")
struct WaitReferenceTests {
  static let phaseFile = """
    name: app
    kind: install
    objects:
      - {apiVersion: v1, kind: Namespace, metadata: {name: sstest-waits}}
      - apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: sstest-waits}
        spec: {selector: {app: web}, ports: [{port: 80}]}
    wait:
      - endpoints: sstest-waits/web
      - condition: {apiVersion: cert-manager.io/v1, kind: Certificate, namespace: sstest-waits, name: llmisvc-serving-cert, type: Ready}
      - endpoints: sstest-elsewhere/existing
    webhookProbes:
      - webhook: nope.sstest.dev
        object: {apiVersion: v1, kind: ConfigMap, metadata: {name: probe, namespace: default}}
    timeout: 10m

    """

  /// The 1-based line of the first line of the phase file containing `text`.
  static func line(of text: String) -> Int {
    (phaseFile.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) } ?? -1) + 1
  }

  static func phaseFolder() throws -> TemporaryDirectory {
    let folder = try TemporaryDirectory(prefix: "sstest-waits")
    _ = try folder.write("10-app.yaml", phaseFile)
    return folder
  }

  @Test(
    "install refuses before applying anything, naming file and line of each; an object already on the cluster is fine")
  func installRefuses() async throws {
    let fake = try await OwnFakeKube()
    defer { fake.stop() }
    let client = try fake.client()
    let folder = try Self.phaseFolder()
    defer { folder.remove() }
    // The Service the third wait names is there already, made by someone else.
    _ = try await client.apply(KubeObject(GroupVersionKind.namespace, name: "sstest-elsewhere"))
    var service = KubeObject(GroupVersionKind.service, name: "existing", namespace: "sstest-elsewhere")
    service["spec"] = ["selector": ["app": "x"], "ports": [["port": 80]]]
    _ = try await client.apply(service)

    let options = InstallOptions(
      phaseSet: try PhaseSet.load(directory: folder.url), parameters: try PhaseParameters(profile: .raw),
      fetcher: try ManifestFetcher(
        options: ManifestFetcher.Options(cacheDirectory: folder.url.appendingPathComponent("cache"))),
      timeout: .seconds(300), preflight: nil)
    let started = ContinuousClock.now
    let error = await #expect(throws: PhaseError.self) { try await Installer(client: client).run(options) }
    // The phase would wait 10 minutes; the bound is wide because a loaded two-core run is slow to start it.
    #expect(ContinuousClock.now - started < .seconds(120), "refused up front, not after the wait's timeout")
    let text = error?.description ?? ""
    #expect(error.map { "\($0.code)" } == "waitTargetMissing")
    #expect(text.hasPrefix("\(folder.url.path)/10-app.yaml:\(Self.line(of: "llmisvc-serving-cert")):"), "\(text)")
    #expect(text.contains("certificate sstest-waits/llmisvc-serving-cert"), "\(text)")
    #expect(
      text.contains("10-app.yaml:\(Self.line(of: "webhook: nope.sstest.dev")): webhook \"nope.sstest.dev\""), "\(text)")
    #expect(
      !text.contains("sstest-waits/web") && !text.contains("existing"),
      "created by the phase, or on the cluster: \(text)")
    #expect(
      try await client.getIfExists(ObjectReference(GroupVersionKind.namespace, name: "sstest-waits")) == nil,
      "nothing was applied")
  }

  @Test("plan --offline warns of them with file and line, and exits 0")
  func offlinePlanWarns() async throws {
    let folder = try Self.phaseFolder()
    defer { folder.remove() }
    let output = try await EngineTests.servestack(
      [
        "plan", "--offline", "--profile", "raw", "--phases", folder.url.path, "--cache",
        folder.url.appendingPathComponent("cache").path,
      ],
      kubeconfig: "/nonexistent/kubeconfig")
    #expect(output.status == 0, "\(output.stderr)")
    let file = "\(folder.url.path)/10-app.yaml"
    #expect(output.stderr.contains("warning: \(file):\(Self.line(of: "llmisvc-serving-cert")):"), "\(output.stderr)")
    #expect(output.stderr.contains("certificate sstest-waits/llmisvc-serving-cert"), "\(output.stderr)")
    #expect(
      output.stderr.contains("warning: \(file):\(Self.line(of: "sstest-elsewhere/existing")):"), "\(output.stderr)")
    #expect(
      output.stderr.contains("warning: \(file):\(Self.line(of: "webhook: nope.sstest.dev")):"), "\(output.stderr)")
    #expect(!output.stderr.contains("sstest-waits/web"), "\(output.stderr)")
  }
}
