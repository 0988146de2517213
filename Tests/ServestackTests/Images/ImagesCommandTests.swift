import Foundation
import ServestackCore
import TestSupport
import Testing

/// The `servestack images` command, run as a program.
@Suite(
  "servestack images (CLI)", .enabled(if: TestEnvironment.servestackBinary != nil, "needs the built servestack binary"))
struct ImagesCommandTests {
  static func run(_ arguments: [String]) throws -> Shell.Output {
    try Shell.run(try #require(TestEnvironment.servestackBinary).path, arguments)
  }

  @Test("extract prints canonical references, --why says where, -o json for machines")
  func extract() throws {
    let directory = try TemporaryDirectory()
    let file = try directory.write(
      "m.yaml",
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: shop}
      spec:
        template:
          spec:
            containers: [{name: a, image: nginx:1.27}, {name: b, image: "Bad/Ref"}]
      """)
    let plain = try Self.run(["images", "extract", file.path])
    #expect(plain.status == 0)
    #expect(plain.stdout == "docker.io/library/nginx:1.27\n")
    #expect(plain.stderr.contains("warning: Deployment shop/web spec.template.spec.containers[1].image"))
    let why = try Self.run(["images", "extract", "--why", file.path])
    #expect(why.stdout.contains("  Deployment shop/web spec.template.spec.containers[0].image"))
    let json = try JSONValue(parsing: try Self.run(["images", "extract", "--why", "-o", "json", file.path]).stdout)
    #expect(json[0]?["image"] == "docker.io/library/nginx:1.27")
    #expect(json[0]?["foundIn"]?[0]?["field"] == "spec.template.spec.containers[0].image")
    #expect(json[0]?["foundIn"]?[0]?["namespace"] == "shop")
  }

  @Test("--write then --check: 0 when the lists match, 1 listing the drift")
  func writeAndCheck() throws {
    let directory = try TemporaryDirectory()
    try directory.write(
      "manifests/demo/v1.0.0/a.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{image: x/y:1}]}\n")
    let manifests = directory.url.appendingPathComponent("manifests").path
    let lists = directory.url.appendingPathComponent("lists").path
    let write = try Self.run(["images", "--write", "--manifests", manifests, "--lists", lists])
    #expect(write.status == 0)
    #expect(write.stdout.contains("demo-v1.0.0.txt (1 images)"))
    #expect(try Self.run(["images", "--check", "--manifests", manifests, "--lists", lists]).status == 0)
    try directory.write("lists/demo-v1.0.0.txt", "docker.io/x/old:0\n")
    let check = try Self.run(["images", "--check", "--manifests", manifests, "--lists", lists])
    #expect(check.status == 1)
    #expect(check.stdout.contains("demo-v1.0.0.txt drifted"))
    #expect(check.stdout.contains("missing: docker.io/x/y:1"))
    #expect(check.stdout.contains("extra:   docker.io/x/old:0"))
    #expect(try Self.run(["images", "--check"]).status == 2)  // --check needs --manifests
  }

  @Test("with no flags, lists the built-in image lists")
  func builtin() throws {
    let output = try Self.run(["images", "-o", "json"])
    #expect(output.status == 0)
    let json = try JSONValue(parsing: output.stdout)
    #expect(json["istio-1.27.1"]?.arrayValue?.contains("docker.io/istio/proxyv2:1.27.1") == true)
    #expect(json["knative-serving-v1.15.2"]?.arrayValue?.count == 8)
  }
}
