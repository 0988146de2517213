import Registry
import ServestackCore
import Testing

@Suite("ImageReference")
struct ImageReferenceTests {
  static let digest = "sha256:56142833a9f87213e055045f0ea59c3f00f024d095c052f7669f7b9d77c55e54"

  @Test(
    "normalizes to the canonical form",
    arguments: [
      ("nginx", "docker.io/library/nginx:latest", "nginx:latest"),
      ("nginx:1.27", "docker.io/library/nginx:1.27", "nginx:1.27"),
      ("istio/pilot:1.27.1", "docker.io/istio/pilot:1.27.1", "istio/pilot:1.27.1"),
      ("docker.io/istio/proxyv2:1.27.1", "docker.io/istio/proxyv2:1.27.1", "istio/proxyv2:1.27.1"),
      ("index.docker.io/library/busybox:1.28", "docker.io/library/busybox:1.28", "busybox:1.28"),
      ("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
      ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
      ("localhost:5000/demo/app:v1", "localhost:5000/demo/app:v1", "localhost:5000/demo/app:v1"),
      ("127.0.0.1:5003/demo/app", "127.0.0.1:5003/demo/app:latest", "127.0.0.1:5003/demo/app:latest"),
      (
        "quay.io/jetstack/cert-manager-controller:v1.16.1", "quay.io/jetstack/cert-manager-controller:v1.16.1",
        "quay.io/jetstack/cert-manager-controller:v1.16.1"
      ),
      ("[::1]:5000/a/b:c", "[::1]:5000/a/b:c", "[::1]:5000/a/b:c"),
      (
        "my-registry/a__b/c-d--e.f:Tag_1.0-x", "docker.io/my-registry/a__b/c-d--e.f:Tag_1.0-x",
        "my-registry/a__b/c-d--e.f:Tag_1.0-x"
      ),
    ])
  func canonical(input: String, canonical: String, familiar: String) throws {
    let reference = try ImageReference(input)
    #expect(reference.description == canonical)
    #expect(reference.familiar == familiar)
    #expect(try ImageReference(reference.description) == reference)
  }

  @Test("splits registry, repository, tag and digest")
  func parts() throws {
    let digestOnly = try ImageReference("gcr.io/knative-releases/knative.dev/serving/cmd/queue@\(Self.digest)")
    #expect(digestOnly.registry == "gcr.io")
    #expect(digestOnly.repository == "knative-releases/knative.dev/serving/cmd/queue")
    #expect(digestOnly.tag == nil)
    #expect(digestOnly.digest?.description == Self.digest)
    #expect(digestOnly.apiReference == Self.digest)
    #expect(digestOnly.description == "gcr.io/knative-releases/knative.dev/serving/cmd/queue@\(Self.digest)")

    let both = try ImageReference("nginx:1.27@\(Self.digest)")
    #expect(both.tag == "1.27")
    #expect(both.digest != nil)
    #expect(both.apiReference == Self.digest)
    #expect(both.description == "docker.io/library/nginx:1.27@\(Self.digest)")
    #expect(both.familiar == "nginx:1.27@\(Self.digest)")

    let port = try ImageReference("registry.local:5000/team/app")
    #expect(port.registry == "registry.local:5000")
    #expect(port.repository == "team/app")
    #expect(port.tag == "latest")
  }

  @Test(
    "rejects invalid references with a reason",
    arguments: [
      ("Nginx", "lower case"),
      ("docker.io/Istio/pilot:1", "lower case"),
      ("quay.io/jetstack/Cert-Manager:v1", "lower case"),
      ("nginx:-bad", "bad tag"),
      ("nginx:.bad", "bad tag"),
      ("nginx:" + String(repeating: "a", count: 129), "bad tag"),
      ("nginx@sha256:abc", "bad digest"),
      ("nginx@md5:" + String(repeating: "a", count: 32), "bad digest"),
      ("nginx@sha256:" + String(repeating: "A", count: 64), "bad digest"),
      ("", "empty"),
      ("a//b", "empty path component"),
      ("a/b-/c", "bad repository path component"),
      ("a/b_-c", "bad repository path component"),
      ("my.registry:99999/a", "bad port"),
      ("bad_host.io/a", "bad registry host"),
      ("nginx latest", "white space"),
    ])
  func invalid(input: String, problem: String) {
    let error = #expect(throws: ValueError.self) { try ImageReference(input) }
    #expect(error?.problem.contains(problem) == true, "\(error?.problem ?? "no error")")
    #expect(error?.kind == "image reference")
  }

  @Test("rewrites to a private registry keeping path, tag and digest")
  func rewrite() throws {
    let pilot = try ImageReference("docker.io/istio/pilot:1.27.1")
    #expect(
      try pilot.rewritten(toRegistry: "registry.local:5000/mirror").description
        == "registry.local:5000/mirror/istio/pilot:1.27.1")
    #expect(try pilot.rewritten(toRegistry: "registry.local").description == "registry.local/istio/pilot:1.27.1")
    #expect(try pilot.rewritten(toRegistry: "10.0.0.5:5000/a/b/").description == "10.0.0.5:5000/a/b/istio/pilot:1.27.1")

    let queue = try ImageReference("gcr.io/knative-releases/knative.dev/serving/cmd/queue@\(Self.digest)")
    let moved = try queue.rewritten(toRegistry: "HOST.example:443/prefix")
    #expect(
      moved.description == "HOST.example:443/prefix/knative-releases/knative.dev/serving/cmd/queue@\(Self.digest)")
    #expect(moved.digest == queue.digest)
    #expect(moved.tag == nil)

    let nginx = try ImageReference("nginx")
    #expect(try nginx.rewritten(toRegistry: "r.io").description == "r.io/library/nginx:latest")
    // A rewritten reference parses back to itself.
    #expect(try ImageReference(moved.description) == moved)

    #expect(throws: ValueError.self) { try pilot.rewritten(toRegistry: "") }
    #expect(throws: ValueError.self) { try pilot.rewritten(toRegistry: "r.io/Upper") }
    #expect(throws: ValueError.self) { try pilot.rewritten(toRegistry: "bad host/x") }
  }

  @Test("platform parsing and matching")
  func platforms() throws {
    #expect(try Platform("linux/arm64/v8") == Platform(os: "linux", architecture: "arm64", variant: "v8"))
    #expect(throws: ValueError.self) { try Platform("linux") }
    let arm64 = Platform.linuxARM64
    #expect(arm64.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
    #expect(try Platform("linux/arm64/v8").matches(Platform.linuxARM64))
    #expect(!Platform.linuxAMD64.matches(Platform.linuxARM64))
    #expect(!(try Platform("linux/arm/v7")).matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
  }
}
