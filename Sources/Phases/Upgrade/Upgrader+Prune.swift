import Foundation
import Kubernetes
import ServestackCore

extension Upgrader {
  /// Deletes the objects of the old versions that the step's versions no longer have (the state's
  /// `upgrade.prune`), by the uninstaller's rules: never another manager's object, CRDs only with
  /// `--prune-crds`. What could not be deleted stays listed for the next run.
  func prune(
    _ outcome: inout UpgradeResult.StepOutcome, state: inout InstallState, keep fresh: Set<String>, phaseSet: PhaseSet,
    options: UpgradeOptions
  ) async throws(PhaseError) {
    let candidates = (state.upgrade?.prune ?? []).filter { !fresh.contains($0.pruneKey) }
    let removal = UninstallOptions(
      phaseSet: phaseSet, deleteCRDs: options.pruneCRDs, stateNamespace: options.stateNamespace, fieldManager: options.fieldManager)
    var remaining: [StoredObject] = []
    for object in candidates {
      if object.kind == "CustomResourceDefinition" && !options.pruneCRDs {
        outcome.kept.append("\(object): a CRD the new version no longer has; kept (--prune-crds deletes it and every object of its kind)")
        continue
      }
      switch await Uninstaller.delete(object, client: client, force: false, options: removal) {
      case .deleted: outcome.pruned.append(object)
      case .absent: break
      case .kept(let why): outcome.kept.append("\(object): \(why)")
      case .failed(let message):
        outcome.pruneFailures.append("\(object): \(message)")
        remaining.append(object)
      }
    }
    state.upgrade?.prune = remaining
  }
}

extension StoredObject {
  /// The object whatever API version names it: a kind served under a new version between releases
  /// (`autoscaling/v2beta2` → `v2`) is the same object, never a leftover.
  var pruneKey: String {
    let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
    return "\(group)|\(kind)|\(namespace ?? "")|\(name)"
  }
}
