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
    let candidates = Self.pruneOrder((state.upgrade?.prune ?? []).filter { !fresh.contains($0.pruneKey) })
    let removal = UninstallOptions(
      phaseSet: phaseSet, deleteCRDs: options.pruneCRDs, stateNamespace: options.stateNamespace,
      fieldManager: options.fieldManager)
    var remaining: [StoredObject] = []
    for object in candidates {
      if object.kind == "CustomResourceDefinition" && !options.pruneCRDs {
        outcome.kept.append(
          KeptObject(
            object: object.description,
            reason: "a CRD the new version no longer has; kept (--prune-crds deletes it and every object of its kind)"))
        continue
      }
      switch await Uninstaller.delete(object, client: client, force: false, options: removal) {
      case .deleted: outcome.pruned.append(object)
      case .absent: break
      case .kept(let why): outcome.kept.append(KeptObject(object: object.description, reason: why))
      case .failed(let message):
        outcome.pruneFailures.append(ObjectCounts.Failure(object: object.description, message: message))
        remaining.append(object)
      }
    }
    state.upgrade?.prune = remaining
  }
}

extension Upgrader {
  /// Custom resources first (their validating webhooks still serve: the old workloads are still there),
  /// then the webhook configurations (before the Services and Deployments behind them go, so that no
  /// request meets a webhook without a backend), then the rest.
  static func pruneOrder(_ objects: [StoredObject]) -> [StoredObject] {
    func wave(_ object: StoredObject) -> Int {
      if object.isCustomResource { return 0 }
      if KnownKinds.webhookConfigurationKinds.contains(object.kind)
        && object.apiVersion.hasPrefix("admissionregistration.k8s.io/")
      {
        return 1
      }
      return 2
    }
    return objects.enumerated().sorted { (wave($0.element), $0.offset) < (wave($1.element), $1.offset) }.map(\.element)
  }
}

extension StoredObject {
  /// Of a kind some CRD defines: a group with a dot that is not one of Kubernetes' own (`*.k8s.io`).
  var isCustomResource: Bool {
    guard apiVersion.contains("/"), let group = apiVersion.split(separator: "/").first else { return false }
    return group.contains(".") && !group.hasSuffix(".k8s.io") && kind != "CustomResourceDefinition"
  }

  /// The object whatever API version names it: a kind served under a new version between releases
  /// (`autoscaling/v2beta2` → `v2`) is the same object, never a leftover.
  var pruneKey: String {
    let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
    return "\(group)|\(kind)|\(namespace ?? "")|\(name)"
  }
}
