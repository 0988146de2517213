import Kubernetes
import ServestackCore

extension Upgrader {
  /// Refuses a rollback that would strand stored objects: a CRD whose live `status.storedVersions` lists a
  /// version the older versions' CRD does not serve. Runs before anything changes (plan and apply).
  func checkRollback(_ plan: UpgradePlan, options: UpgradeOptions) async throws(PhaseError) {
    guard let hooks = options.crdHooks, let step = plan.steps.first, step.rollback else { return }
    let older = try PhaseSet.resolve(phases: options.phases, extra: options.extraPhases, step: step)
    let prepared = try await Installer(client: client).prepare(
      older.selection(profile: options.parameters.profile, kinds: [.install]), options: options.installOptions(older))
    let reasons: [String]
    do {
      reasons = try await hooks.rollbackRefusals(to: prepared.flatMap(\.objects), client: client)
    } catch {
      throw PhaseError(
        .cluster, "rollback to \(plan.target): cannot read the cluster's CRDs to check it: \(error.userMessage)",
        cause: error)
    }
    guard !reasons.isEmpty else { return }
    throw PhaseError(
      .selection,
      "\(reasons.joined(separator: "; ")). Nothing was changed. Stay on \(plan.installed.name) (the versions that read them), "
        + "or back up and delete those objects (kubectl get <kind> -A -o yaml) before going back to \(plan.target)")
  }
}
