import Phases
import ServestackCore
import Testing

/// The pruned event keeps the JSON it had when its kept and failed objects were strings.
@Suite struct UpgradePrunedEventTests {
  @Test("the pruned event lists deleted, kept and failed objects as the same strings as before they were typed")
  func prunedEventJSON() {
    let deleted = StoredObject(apiVersion: "apps/v1", kind: "Deployment", namespace: "kserve", name: "old")
    let event = UpgradeEvent.pruned(
      step: 1, deleted: [deleted],
      kept: [KeptObject(object: "deployment kserve/theirs", reason: "labelled app.kubernetes.io/managed-by=x")],
      failed: [ObjectCounts.Failure(object: "service kserve/svc", message: "forbidden")])
    #expect(
      event.json.serialized()
        == #"{"event":"pruned","step":1,"deleted":["\#(deleted)"],"kept":["deployment kserve/theirs: labelled app.kubernetes.io/managed-by=x"],"failed":["service kserve/svc: forbidden"]}"#
    )
  }
}
