import Foundation
import Phases
import ServestackCore
import Testing

/// The small value types of phase files, merge patches and parameters.
@Suite struct PhaseValueTests {
  @Test("durations") func durations() throws {
    #expect(try GoDuration("90s").seconds == 90)
    #expect(try GoDuration("10m").seconds == 600)
    #expect(try GoDuration("1h30m").seconds == 5400)
    #expect(try GoDuration("1.5h").seconds == 5400)
    #expect(try GoDuration("500ms").nanoseconds == 500_000_000)
    #expect(try GoDuration("2m30s") > GoDuration("2m"))
    for bad in ["", "10", "10 m", "m", "1d", "-5s", "0s", ".5s", "1.s", "5s3"] {
      #expect(throws: ValueError.self, "\(bad)") { try GoDuration(bad) }
    }
  }

  @Test("phase names") func phaseNames() throws {
    #expect(try PhaseName("knative-serving").rawValue == "knative-serving")
    #expect(try PhaseName("a").rawValue == "a")
    #expect(throws: ValueError.self) { try PhaseName("") }
    #expect(throws: ValueError.self) { try PhaseName("Istio") }
    #expect(throws: ValueError.self) { try PhaseName("a_b") }
    #expect(throws: ValueError.self) { try PhaseName(String(repeating: "x", count: 64)) }
    #expect(try PhaseName(String(repeating: "x", count: 63)).rawValue.count == 63)
  }

  @Test("versions and constraints") func versionsAndConstraints() throws {
    #expect(try SemanticVersion("v1.15.2") == SemanticVersion("1.15.2"))
    #expect(try SemanticVersion("v0.16.0-rc1") < SemanticVersion("v0.16.0"))
    #expect(try SemanticVersion("v0.16.0-rc2") > SemanticVersion("v0.16.0-rc1"))
    #expect(try SemanticVersion("1.9.0") < SemanticVersion("1.10.0"))
    #expect(throws: ValueError.self) { try SemanticVersion("1.15") }
    let range = try VersionConstraint(">=v1.15.0 <v1.16.1")
    #expect(range.contains(try SemanticVersion("1.15.0")))
    #expect(range.contains(try SemanticVersion("v1.16.0")))
    #expect(!range.contains(try SemanticVersion("v1.16.1")))
    #expect(!range.contains(try SemanticVersion("v1.14.9")))
    let exact = try VersionConstraint("v0.15.2")
    #expect(exact.contains(try SemanticVersion("0.15.2")))
    #expect(!exact.contains(try SemanticVersion("0.15.1")))
    #expect(throws: ValueError.self) { try VersionConstraint(">=banana") }
    let crds = CRDOwnership(groups: ["x.io"], upgradeFrom: [range])
    #expect(crds.allowsUpgrade(from: try SemanticVersion("1.15.2"), to: try SemanticVersion("1.16.1")))
    #expect(!crds.allowsUpgrade(from: try SemanticVersion("1.17.0"), to: try SemanticVersion("1.16.1")))
    #expect(try KubernetesVersion("v1.30.7+k3s1") > KubernetesVersion("1.30"))
    #expect(try KubernetesVersion("1.29") < KubernetesVersion("1.30.0"))
    #expect(throws: ValueError.self) { try KubernetesVersion("1") }
  }

  /// RFC 7386 appendix A.
  @Test("merge patch follows RFC7386") func mergePatchFollowsRFC7386() throws {
    let cases: [(String, String, String)] = [
      (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
      (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
      (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
      (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
      (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
      (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
      (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
      (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
      (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
      (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
      (#"{"a":"foo"}"#, #"null"#, #"null"#),
      (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
      (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
      (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
      (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]
    for (target, patch, expected) in cases {
      let result = JSONMergePatch.apply(try JSONValue(parsing: patch), to: try JSONValue(parsing: target))
      #expect(result == (try JSONValue(parsing: expected)), "\(target) + \(patch)")
    }
  }

  @Test("parameters derive from the profile and substitute") func parametersDeriveFromTheProfileAndSubstitute() throws {
    let serverless = try PhaseParameters(profile: .serverless, overrides: ["domain": "models.test"])
    #expect(serverless["ingressClass"] == "istio.ingress.networking.knative.dev")
    #expect(serverless["deploymentMode"] == "Serverless")
    let raw = try PhaseParameters(profile: .raw)
    #expect(raw["deploymentMode"] == "RawDeployment")
    #expect(raw["domain"] == "example.com")
    #expect(
      try PhaseParameters(profile: .serverlessKourier)["ingressClass"] == "kourier.ingress.networking.knative.dev")
    let value: JSONValue = ["data": ["${domain}": "", "x": "a ${profile} $${literal} $ {not} ${unclosed", "n": 1]]
    #expect(
      serverless.substitute(value)
        == ["data": ["models.test": "", "x": "a serverless ${literal} $ {not} ${unclosed", "n": 1]])
    do throws(PhaseError) {
      _ = try PhaseParameters(profile: .raw, overrides: ["domian": "x"])
      Issue.record("an unknown override must fail")
    } catch {
      #expect(error.code == .unknownParameter)
      #expect(error.message.contains("domain"))
    }
  }

  @Test("mirror UR ls keep the path") func mirrorURLsKeepThePath() {
    #expect(
      ManifestFetcher.mirrorURL(
        for: "https://github.com/knative/serving/releases/download/knative-v1.15.2/serving-crds.yaml",
        mirror: "http://127.0.0.1:8080/")
        == "http://127.0.0.1:8080/knative/serving/releases/download/knative-v1.15.2/serving-crds.yaml")
    #expect(
      ManifestFetcher.mirrorURL(
        for: "https://raw.githubusercontent.com/a/b/c.yaml", mirror: "https://mirror.example/upstream")
        == "https://mirror.example/upstream/a/b/c.yaml")
  }
}
