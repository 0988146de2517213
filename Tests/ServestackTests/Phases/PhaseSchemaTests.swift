import Foundation
import Phases
import ServestackCore
import TestSupport
import Testing

/// Bad phase files: every error names the file, the line and column, and the field.
@Suite struct PhaseSchemaTests {
  /// Loads one phase file and returns the error it must raise.
  func error(_ text: String, file: String = "10-demo.yaml") throws -> PhaseError {
    let folder = try PhaseFolder()
    let url = try folder.write(file, text)
    do throws(PhaseError) {
      _ = try PhaseLoader.load(contentsOf: url)
    } catch {
      #expect(error.file == url.path)
      return error
    }
    throw TestSetupError("the phase file loaded, but an error was expected:\n\(text)")
  }

  @Test("unknown field suggests the known one") func unknownFieldSuggestsTheKnownOne() throws {
    let e = try error(
      """
      name: demo
      kind: install
      manifest:
        - url: https://example.com/a.yaml
      """)
    #expect(e.code == .unknownField)
    #expect((e.line, e.column, e.field) == (3, 1, "manifest"))
    #expect(e.message.contains("unknown field 'manifest' (did you mean 'manifests'?)"))
    #expect(e.description.hasPrefix(e.file! + ":3:1: field 'manifest': unknown field"))
  }

  @Test("nested unknown field is named by its path") func nestedUnknownFieldIsNamedByItsPath() throws {
    let e = try error(
      """
      name: demo
      kind: install
      component:
        name: demo
        version: v1.0.0
        kubernetes: {min: "1.29", recomended: "1.30"}
      """)
    #expect(e.code == .unknownField)
    #expect(e.field == "component.kubernetes.recomended")
    #expect(e.line == 6)
    #expect(e.message.contains("did you mean 'recommended'?"))
  }

  @Test("wrong type") func wrongType() throws {
    let e = try error("name: demo\nkind: install\nafter: knative-serving\n")
    #expect(e.code == .wrongType)
    #expect((e.line, e.field) == (3, "after"))
    #expect(e.message.contains("expected a list, found a string"))
  }

  @Test("unquoted version number is a wrong type with a hint") func unquotedVersionNumberIsAWrongTypeWithAHint() throws
  {
    let e = try error(
      "name: demo\nkind: install\ncomponent:\n  name: demo\n  version: v1.0.0\n  kubernetes:\n    min: 1.30\n")
    #expect(e.code == .wrongType)
    #expect((e.line, e.field) == (7, "component.kubernetes.min"))
    #expect(e.message.contains("quote the value (\"1.30\")"), "\(e.message)")
  }

  @Test("a pin of only digits is quoted as written") func aPinOfOnlyDigitsIsQuotedAsWritten() throws {
    let digits = String(repeating: "1", count: 64)
    let e = try error("name: demo\nkind: install\ncomponent:\n  name: demo\n  version: \(digits)\n")
    #expect(e.code == .wrongType)
    #expect(e.field == "component.version")
    #expect(e.message.contains("quote the value (\"\(digits)\")"), "\(e.message)")
    #expect(!e.message.contains("e+63"), "\(e.message)")
  }

  @Test("missing required field") func missingRequiredField() throws {
    let e = try error("name: demo\nwait: []\n")
    #expect(e.code == .missingField)
    #expect(e.field == "kind")
    #expect(e.line == 1)
    let nested = try error(
      "name: demo\nkind: install\npatches:\n  - merge: {data: {a: b}}\n")
    #expect(nested.code == .missingField)
    #expect((nested.line, nested.field) == (4, "patches[0].target"))
  }

  @Test("bad SHA256") func badSHA256() throws {
    let e = try error(
      """
      name: demo
      kind: install
      manifests:
        - url: https://example.com/a.yaml
          sha256: \(String(repeating: "AB", count: 32))
      """)
    #expect(e.code == .invalidValue)
    #expect((e.line, e.column, e.field) == (5, 5, "manifests[0].sha256"))
    #expect(e.message.contains("64 lowercase hex"))
    let short = try error(
      "name: demo\nkind: install\nmanifests:\n  - url: https://example.com/a.yaml\n    sha256: abc\n")
    #expect(short.field == "manifests[0].sha256")
    let missing = try error("name: demo\nkind: install\nmanifests:\n  - url: https://example.com/a.yaml\n")
    #expect((missing.code, missing.field, missing.line) == (.missingField, "manifests[0].sha256", 4))
  }

  @Test("bad URL") func badURL() throws {
    for url in [
      "http://example.com/a.yaml", "ftp://example.com/a.yaml", "https://user:pw@example.com/a.yaml",
      "https://example.com/a.yaml?x=1", "not a url",
    ] {
      let e = try error(
        "name: demo\nkind: install\nmanifests:\n  - sha256: \(PhaseFixtures.pin)\n    url: \"\(url)\"\n")
      #expect(e.code == .invalidValue, "\(url)")
      #expect((e.line, e.field) == (5, "manifests[0].url"), "\(url)")
    }
    let plain = try error(
      "name: demo\nkind: install\nmanifests:\n  - url: http://example.com/a.yaml\n    sha256: \(PhaseFixtures.pin)\n")
    #expect(plain.message.contains("https"))
  }

  @Test("bad duration") func badDuration() throws {
    let e = try error("name: demo\nkind: install\ntimeout: 10 minutes\n")
    #expect(e.code == .invalidValue)
    #expect((e.line, e.column, e.field) == (3, 1, "timeout"))
    #expect(e.message.contains("duration"))
    let number = try error("name: demo\nkind: install\ntimeout: 600\n")
    #expect(number.code == .wrongType)
    #expect(number.message.contains("such as 10m"))
    let zero = try error("name: demo\nkind: install\ntimeout: 0s\n")
    #expect(zero.field == "timeout")
  }

  @Test("bad phase name") func badPhaseName() throws {
    for name in ["Knative_Serving", "-lead", "trail-", String(repeating: "a", count: 64)] {
      let e = try error("name: \(name)\nkind: install\n")
      #expect(e.code == .invalidValue, "\(name)")
      #expect((e.line, e.column, e.field) == (1, 1, "name"), "\(name)")
      #expect(e.message.contains("phase name"))
    }
  }

  @Test("unknown profile") func unknownProfile() throws {
    let e = try error("name: demo\nkind: install\nprofiles:\n  - serverless\n  - kourier\n")
    #expect(e.code == .invalidValue)
    #expect((e.line, e.field) == (5, "profiles[1]"))
    #expect(e.message.contains("serverless-kourier"))
    let inManifest = try error(
      "name: demo\nkind: install\nmanifests:\n  - url: https://example.com/a.yaml\n    sha256: \(PhaseFixtures.pin)\n    profiles: [rawdeployment]\n"
    )
    #expect(inManifest.field == "manifests[0].profiles[0]")
  }

  @Test("unknown wait kind") func unknownWaitKind() throws {
    let e = try error("name: demo\nkind: install\nwait:\n  - crds: established\n  - workload: available\n")
    #expect(e.code == .unknownField)
    #expect((e.line, e.field) == (5, "wait[1].workload"))
    #expect(e.message.contains("unknown wait kind 'workload' (did you mean 'workloads'?)"))
    let value = try error("name: demo\nkind: install\nwait:\n  - crds: ready\n")
    #expect((value.code, value.field, value.line) == (.invalidValue, "wait[0].crds", 4))
    let endpoints = try error("name: demo\nkind: install\nwait:\n  - endpoints: just-a-service\n")
    #expect(endpoints.field == "wait[0].endpoints")
    let two = try error("name: demo\nkind: install\nwait:\n  - {crds: established, webhooks: serving}\n")
    #expect(two.field == "wait[0]")
  }

  @Test("unknown placeholder") func unknownPlaceholder() throws {
    let e = try error(
      """
      name: demo
      kind: install
      patches:
        - target: {kind: ConfigMap, namespace: demo, name: settings}
          merge:
            data:
              domain: "${domian}"
      """)
    #expect(e.code == .unknownParameter)
    #expect((e.line, e.field) == (7, "patches[0].merge.data.domain"))
    #expect(e.message.contains("'${domian}'"))
    let inKey = try error(
      "name: demo\nkind: install\nobjects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n    data: {\"${zone}\": x}\n"
    )
    #expect(inKey.field == "objects[0].data[\"${zone}\"]")
    #expect(inKey.line == 7)
  }

  @Test("steps must be known one key mappings") func stepsMustBeKnownOneKeyMappings() throws {
    let e = try error("name: smoke\nkind: test\nsteps:\n  - apply: {}\n  - aply: {}\n")
    #expect(e.code == .unknownField)
    #expect((e.line, e.field) == (5, "steps[1].aply"))
    #expect(e.message.contains("did you mean 'apply'?"))
    let two = try error("name: smoke\nkind: test\nsteps:\n  - {apply: {}, wait: {}}\n")
    #expect((two.code, two.field) == (.invalidValue, "steps[0]"))
    let none = try error("name: smoke\nkind: test\n")
    #expect((none.code, none.field) == (.missingField, "steps"))
  }

  @Test("fields of another kind are rejected") func fieldsOfAnotherKindAreRejected() throws {
    let e = try error("name: smoke\nkind: test\nmanifests: []\nsteps:\n  - apply: {}\n")
    #expect(e.code == .unknownField)
    #expect((e.line, e.field) == (3, "manifests"))
    #expect(e.message.contains("not allowed in a phase of kind test"))
    let kind = try error("name: demo\nkind: deploy\n")
    #expect((kind.code, kind.field, kind.line) == (.invalidValue, "kind", 2))
  }

  @Test("patch shapes") func patchShapes() throws {
    let notConfigMap = try error(
      "name: demo\nkind: install\npatches:\n  - target: {kind: Secret, name: s}\n    mergeJSON: {key: k, merge: {a: 1}}\n"
    )
    #expect((notConfigMap.code, notConfigMap.field, notConfigMap.line) == (.invalidValue, "patches[0].mergeJSON", 5))
    let both = try error(
      "name: demo\nkind: install\npatches:\n  - target: {kind: ConfigMap, name: s}\n    merge: {}\n    mergeJSON: {key: k, merge: {}}\n"
    )
    #expect(both.field == "patches[0]")
    let targetTypo = try error(
      "name: demo\nkind: install\npatches:\n  - target: {kind: ConfigMap, nmae: s}\n    merge: {}\n")
    #expect((targetTypo.field, targetTypo.line) == ("patches[0].target.nmae", 4))
    #expect(targetTypo.message.contains("did you mean 'name'?"))
  }

  @Test("inline objects need kind and name") func inlineObjectsNeedKindAndName() throws {
    let e = try error(
      "name: demo\nkind: install\nobjects:\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {labels: {}}\n")
    #expect((e.code, e.field, e.line) == (.missingField, "objects[0].metadata.name", 6))
  }

  @Test("yaml syntax error") func yamlSyntaxError() throws {
    let e = try error("name: demo\nkind: install\nwait: [\n")
    #expect(e.code == .yaml)
    #expect(e.line >= 3)
  }

  @Test("preflight checks are known") func preflightChecksAreKnown() throws {
    let e = try error("name: preflight\nkind: preflight\nchecks:\n  - name: kubernetes-versoin\n")
    #expect((e.code, e.field, e.line) == (.invalidValue, "checks[0].name", 4))
    #expect(e.message.contains("did you mean 'kubernetes-version'?"))
  }

  @Test("valid file reads every field") func validFileReadsEveryField() throws {
    let folder = try PhaseFolder()
    let url = try folder.write(
      "50-demo.yaml",
      """
      name: demo
      kind: install
      description: a demo
      after: [base]
      profiles: [serverless, raw]
      timeout: 1h30m
      component:
        name: demo
        version: v0.16.0
        kubernetes: {min: "1.30", recommended: "1.32"}
        crds: {groups: [serving.kserve.io], versionLabel: app.kubernetes.io/version, upgradeFrom: [v0.15.2, ">=v0.14.0 <v0.15.0"]}
      manifests:
        - url: https://example.com/a.yaml
          sha256: \(PhaseFixtures.pin)
          profiles: [raw]
        - path: ../manifests/b.yaml
      objects:
        - {apiVersion: v1, kind: Namespace, metadata: {name: "${namespace}"}}
      patches:
        - target: {kind: ConfigMap, namespace: kserve, name: inferenceservice-config}
          mergeJSON: {key: deploy, merge: {defaultDeploymentMode: "${deploymentMode}"}}
      wait:
        - crds: established
        - condition: {kind: Certificate, namespace: kserve, name: serving-cert, type: Ready, status: True}
        - endpoints: kserve/kserve-webhook-server-service
      webhookProbes:
        - webhook: a.b.c
          object: {apiVersion: v1, kind: ConfigMap, metadata: {name: probe}}
      """)
    let spec = try PhaseLoader.load(contentsOf: url)
    #expect(spec.name.rawValue == "demo")
    #expect(spec.after.map(\.rawValue) == ["base"])
    #expect(spec.profiles == [.serverless, .raw])
    #expect(spec.timeout.seconds == 5400)
    #expect(spec.component?.kubernetes?.recommended == (try KubernetesVersion("1.32")))
    #expect(spec.component?.crds?.upgradeFrom.count == 2)
    #expect(spec.manifests.map(\.reference) == ["https://example.com/a.yaml", "../manifests/b.yaml"])
    #expect(spec.manifests(for: .serverless).count == 1)
    #expect(spec.manifests[0].source.line == 13)
    #expect(spec.patches[0].source.field == "patches[0]")
    #expect(
      spec.wait == [
        .crdsEstablished,
        .condition(
          ConditionWait(kind: "Certificate", namespace: "kserve", name: "serving-cert", type: "Ready", status: "True")),
        .endpoints(namespace: "kserve", service: "kserve-webhook-server-service"),
      ])
    #expect(spec.directory?.standardizedFileURL.path == folder.url.standardizedFileURL.path)
    #expect(spec.fileName == "50-demo.yaml")
  }
}
