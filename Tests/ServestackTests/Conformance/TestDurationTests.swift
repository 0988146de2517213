import Conformance
import ServestackCore
import Testing

/// `test --timeout`, test parameters and test steps read durations with the one grammar `install --timeout`
/// and the phase files use (GoDuration).
@Suite("Test durations: one grammar with install and the phase files")
struct TestDurationTests {
  @Test(
    "what GoDuration reads, the test flags and parameters read the same",
    arguments: ["90s", "1h30m", "1.5h", "500ms", "2m3s", "250us"])
  func accepted(_ text: String) throws {
    #expect(try TestParameters.parseDuration(text) == (try GoDuration(text)).duration)
    var parameters = try TestParameters(profile: "serverless", namespace: "t")
    try parameters.set("readyTimeout", text)
    #expect(parameters["readyTimeout"] == text)
  }

  @Test("what GoDuration refuses, they refuse with GoDuration's reason", arguments: ["90", "5x", "", "0s", "1m 30s"])
  func refused(_ text: String) throws {
    let reason = #expect(throws: ValueError.self) { try GoDuration(text) }
    let error = #expect(throws: ConformanceError.self) { try TestParameters.parseDuration(text) }
    #expect(error?.message == reason?.description)
    var parameters = try TestParameters(profile: "serverless", namespace: "t")
    #expect(throws: ConformanceError.self) { try parameters.set("readyTimeout", text) }
  }
}
