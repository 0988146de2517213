import Phases
import ServestackCore
import Testing

/// The phase-started event keeps the words it had when its action was a string.
@Suite struct PhaseActionTests {
  @Test("each phase action shows the same words in the phase-started JSON event as before it was typed")
  func phaseStartedWords() throws {
    let name = try PhaseName("knative-serving")
    let expected: [(PhaseAction, String)] = [
      (.dryRun, "dry run"), (.verifying, "verifying"), (.applying(.notInstalled), "applying: not installed yet"),
      (.applying(.verificationFailed("its waits do not hold")), "applying: installed, but its waits do not hold"),
      (.uninstalling, "uninstalling"), (.dryRunUninstall, "dry run: uninstall"),
    ]
    for (action, words) in expected {
      let event = EngineEvent.phaseStarted(name: name, index: 2, total: 5, action: action)
      #expect(
        event.json.serialized()
          == #"{"event":"phase-started","phase":"knative-serving","index":2,"total":5,"action":"\#(words)"}"#)
    }
  }
}
