import Conformance
import ServestackCore
import Testing

/// What `servestack test`'s own flags set, decided in the library so the command only parses and prints.
@Suite("Test parameter flags: the flags' parameters, --set on top, bounds checked")
struct TestParameterFlagsTests {
  @Test("each flag sets its parameter and --set wins over a flag")
  func mapping() throws {
    let flags = TestParameterFlags(
      modelRegistry: "10.0.0.5:5000/mirror/", gpuModel: "torchserve", loadConcurrency: 32, loadDuration: "2m",
      dcgmURL: "http://dcgm:9400/metrics", assignments: ["loadDuration": "45s", "readyTimeout": "10m"])
    #expect(
      try flags.parameters() == [
        "sklearnStorageUri": "oci://10.0.0.5:5000/mirror/models/sklearn-iris:1.0",
        "torchserveStorageUri": "oci://10.0.0.5:5000/mirror/models/torchserve-mnist:v1", "gpuModel": "torchserve",
        "loadConcurrency": "32",
        "loadDuration": "45s", "dcgmURL": "http://dcgm:9400/metrics", "readyTimeout": "10m",
      ])
    #expect(flags.httpConnections == 32)
    #expect(try TestParameterFlags().parameters().isEmpty)
    #expect(TestParameterFlags(loadConcurrency: 2).httpConnections == 8)
  }

  @Test(
    "a load concurrency or duration out of range, or an unknown GPU model, is refused with the flag or model in the message",
    arguments: [
      (TestParameterFlags(loadConcurrency: 0), "--load-concurrency 0 is out of range 1…256"),
      (TestParameterFlags(loadConcurrency: 257), "--load-concurrency 257 is out of range 1…256"),
      (TestParameterFlags(loadDuration: "31m"), "--load-duration 31m is out of range (0, 30m]"),
      (TestParameterFlags(loadDuration: "soon"), "soon"),
      (TestParameterFlags(gpuModel: "resnet"), "unknown GPU model 'resnet'"),
    ])
  func refused(_ flags: TestParameterFlags, _ message: String) {
    let error = #expect(throws: ConformanceError.self) { try flags.parameters() }
    #expect(error?.code == .invalidOption)
    #expect(error?.category.exitCode == 2)
    #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
  }
}
