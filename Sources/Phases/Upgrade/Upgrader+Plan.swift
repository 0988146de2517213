import Foundation
import Kubernetes
import ServestackCore

extension Upgrader {
  /// The plan to `options.target` with, per step, a server-side dry run of the phases it changes, the
  /// objects it removes, the CRD changes, the new images and the Kubernetes check. Nothing is written.
  ///
  /// #### Errors
  /// As ``apply(_:events:)``, without `lockHeld`.
  public func plan(_ options: UpgradeOptions) async throws(PhaseError) -> UpgradeReport {
    let store = InstallStateStore(client: client, namespace: options.stateNamespace)
    let context = try await context(options, store: store)
    let installer = Installer(client: client)
    let profile = options.parameters.profile

    let start = UpgradeStep(
      index: 0, changes: [], versions: context.installed.components, name: context.installed.name, rollback: false)
    var before = try await render(start, options: options, installer: installer, profile: profile)
    let installed = await liveVersions(context, rendered: before)
    var steps: [UpgradeReport.StepPlan] = []
    for step in context.plan.steps {
      let after = try await render(step, options: options, installer: installer, profile: profile)
      let digests = Dictionary(before.map { ($0.rendered.name, $0.digest) }, uniquingKeysWith: { a, _ in a })
      let changed = after.filter { digests[$0.rendered.name] != $0.digest }
      var phaseSet = try PhaseSet.resolve(phases: options.phases, extra: options.extraPhases, step: step)
      phaseSet.stack = step.selection
      let dry = await installer.dryRun(
        changed, preflight: nil, options: options.installOptions(phaseSet), started: .now, events: { _ in })

      let fresh = Set(after.flatMap { PhaseRunner.stored($0.objects.map(KubeObject.init)) }.map(\.pruneKey))
      let removed = before.flatMap { PhaseRunner.stored($0.objects.map(KubeObject.init)) }
        .filter { !fresh.contains($0.pruneKey) && $0.kind != "Namespace" }
      let oldImages = Set(before.flatMap { options.imageLister?($0.rendered) ?? [] })
      let images = Array(Set(after.flatMap { options.imageLister?($0.rendered) ?? [] }).subtracting(oldImages)).sorted()
      let crds = options.crdHooks?.changes(from: before.flatMap(\.objects), to: after.flatMap(\.objects)) ?? []
      steps.append(
        UpgradeReport.StepPlan(
          step: step, phases: dry.phases, removed: removed, crdChanges: crds, images: images,
          kubernetes: kubernetesLines(step, catalog: context.catalog, cluster: context.kubernetes)))
      before = after
    }
    return UpgradeReport(
      plan: context.plan, installed: installed, kubernetes: context.kubernetes?.description, steps: steps,
      crdAnalysis: options.crdHooks != nil)
  }

  func render(_ step: UpgradeStep, options: UpgradeOptions, installer: Installer, profile: Profile)
    async throws(PhaseError) -> [Installer.Prepared]
  {
    let set = try PhaseSet.resolve(phases: options.phases, extra: options.extraPhases, step: step)
    return try await installer.prepare(
      set.selection(profile: profile, kinds: [.install]), options: options.installOptions(set))
  }

  /// `knative-serving v1.16.3: Kubernetes 1.28 or newer; the cluster runs 1.31.2 (meets it)`.
  func kubernetesLines(_ step: UpgradeStep, catalog: VersionCatalog, cluster: KubernetesVersion?) -> [String] {
    step.changes.compactMap { change in
      guard let version = catalog.version(change.component, change.to) else { return nil }
      let range = version.kubernetes
      var line = "\(change.component) \(version.version): Kubernetes \(range.minimum) or newer"
      if range.recommended != range.minimum { line += " (\(range.recommended) recommended)" }
      if let cluster {
        line +=
          cluster < range.minimum ? "; the cluster runs \(cluster): too old" : "; the cluster runs \(cluster): meets it"
      }
      return line
    }
  }

  /// Each installed component's recorded version, and the one its CRDs carry on the cluster.
  func liveVersions(_ context: Context, rendered: [Installer.Prepared]) async -> [UpgradeReport.Installed] {
    var result: [UpgradeReport.Installed] = []
    for (component, version) in context.installed.components {
      var live: String?
      let phase = rendered.first { $0.rendered.spec.component?.name == component }
      if let phase, let label = phase.rendered.spec.component?.crds?.versionLabel {
        for object in phase.objects.map(KubeObject.init) where object.gvk?.isCustomResourceDefinition == true {
          guard let name = object.name else { continue }
          let reference = ObjectReference(GroupVersionKind.customResourceDefinition, name: name)
          if let value = (try? await client.getIfExists(reference))??.labels[label] {
            live = value
            break
          }
        }
      }
      result.append(UpgradeReport.Installed(component: component, version: version, live: live))
    }
    return result
  }
}
