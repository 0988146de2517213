import Foundation
import Registry
import ServestackCore
import TestSupport
import Testing

@Suite("Docker config credentials")
struct DockerConfigTests {
  @Test("auth and username/password entries, matched by host; Docker Hub's legacy key")
  func entries() throws {
    let directory = try TemporaryDirectory()
    let auth = Data("alice:s3cret:with:colons".utf8).base64EncodedString()
    let file = try directory.write(
      "config.json",
      """
      {"auths": {
        "https://index.docker.io/v1/": {"auth": "\(auth)"},
        "http://127.0.0.1:5003": {"username": "bob", "password": "pw"},
        "registry.local:5000": {"auth": "\(Data("carol:x".utf8).base64EncodedString())"}
      }, "credsStore": "desktop"}
      """)
    let config = try DockerConfig(contentsOf: file)
    let hub = try #require(config.credential(forRegistry: "docker.io"))
    #expect(hub.username == "alice")
    #expect(hub.password.value == "s3cret:with:colons")
    #expect(!String(describing: hub).contains("s3cret"))
    #expect(config.credential(forRegistry: "127.0.0.1:5003")?.username == "bob")
    #expect(config.credential(forRegistry: "registry.local:5000")?.password.value == "x")
    #expect(config.credential(forRegistry: "registry.local") == nil)
    #expect(config.credential(forRegistry: "quay.io") == nil)
  }

  @Test("a missing file is empty; a malformed auth is an error that does not show it")
  func errors() throws {
    let directory = try TemporaryDirectory()
    #expect(try DockerConfig(contentsOf: directory.file("none.json")).credentialsByHost.isEmpty)
    let bad = try directory.write("config.json", #"{"auths": {"r.io": {"auth": "bm9jb2xvbg=="}}}"#)
    let error = #expect(throws: RegistryError.self) { try DockerConfig(contentsOf: bad) }
    #expect(error?.message.contains("bm9jb2xvbg") == false)
    #expect(error?.code == .invalidArgument)
    let notJSON = try directory.write("broken.json", "{")
    #expect(throws: RegistryError.self) { try DockerConfig(contentsOf: notJSON) }
  }

  @Test("default path honours HOME then DOCKER_CONFIG") func defaultPathHonoursHOMEThenDOCKER_CONFIG() {
    #expect(
      DockerConfig.defaultPath(environment: ["HOME": "/tmp/sstest-home"]).path == "/tmp/sstest-home/.docker/config.json"
    )
    #expect(
      DockerConfig.defaultPath(environment: ["HOME": "/tmp/sstest-home", "DOCKER_CONFIG": "/tmp/sstest-docker"]).path
        == "/tmp/sstest-docker/config.json")
  }
}
