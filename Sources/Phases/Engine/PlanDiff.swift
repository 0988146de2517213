import Kubernetes
import ServestackCore

/// Whether a server-side dry-run apply would change an object: the dry-run answer compared with the live
/// object, ignoring what every write or the server itself moves.
enum PlanDiff {
  static let ignoredMetadata = ["managedFields", "resourceVersion", "generation", "creationTimestamp", "uid"]

  static func same(live: KubeObject, dryRun: KubeObject) -> Bool {
    normalized(live).semanticallyEquals(normalized(dryRun))
  }

  static func normalized(_ object: KubeObject) -> JSONValue {
    var json = object.json
    for key in ignoredMetadata { json.remove(at: ["metadata", key]) }
    json.remove(at: ["status"])
    return json
  }
}
