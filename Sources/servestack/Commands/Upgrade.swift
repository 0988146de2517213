import ArgumentParser
import Bundles
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Upgrade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Move the installed stack to a newer set or component version, one step at a time.",
      discussion: """
        upgrade plan shows the steps (Knative Serving one minor at a time, its ingress moving with it) and what \
        each changes; upgrade apply runs them through the install engine, records each step in the install \
        state (a kill resumes with the same command) and prunes what the old versions had and the new ones do \
        not. upgrade apply --to PREVIOUS_SET rolls back. docs/upgrades.md.
        """,
      subcommands: [Plan.self, Apply.self])
  }
}

/// The flags `upgrade plan` and `upgrade apply` share: the target and the checks to ignore.
struct UpgradeTargetFlags: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The stack set to move to, or with --component that component's version (with --bundle: the bundle's set by default).",
      valueName: "set|version"))
  var to: String?

  @Option(
    help: ArgumentHelp(
      "Upgrade only this component (and, for knative-serving, its ingress) to --to.", valueName: "name"))
  var component: String?

  @Flag(
    help:
      "Apply the target in one step instead of through the catalog's path (refused when its upgradeFrom does not admit what is installed)."
  )
  var direct = false

  @Option(
    name: .customLong("ignore-preflight-errors"),
    help: ArgumentHelp(
      "Turn these upgrade checks' failures into warnings, comma separated: off-matrix, kubernetes-version, or all.",
      valueName: "checks"))
  var ignorePreflightErrors: [String] = []

  static let checks = [UpgradeFinding.offMatrix, UpgradeFinding.kubernetesVersion, "all"]

  /// The target the flags name (nil without --to).
  var target: UpgradeTarget? {
    guard let to else { return nil }
    return component.map { .component($0, version: to) } ?? .stack(to)
  }

  /// The checks named, normalised (`OffMatrix` and `off-matrix` are the same).
  func ignored() throws -> Set<String> {
    var names: Set<String> = []
    for item in ignorePreflightErrors.flatMap({ $0.split(separator: ",").map(String.init) }) {
      let key = item.lowercased().replacingOccurrences(of: "-", with: "")
      guard let check = Self.checks.first(where: { $0.replacingOccurrences(of: "-", with: "") == key }) else {
        throw ValidationError(
          "--ignore-preflight-errors \(item): no such upgrade check; the checks are \(Self.checks.joined(separator: ", "))"
        )
      }
      names.insert(check)
    }
    return names
  }

  var commandFlags: String {
    var flags = target.map { " " + $0.flags } ?? ""
    if direct { flags += " --direct" }
    if !ignorePreflightErrors.isEmpty {
      flags += " --ignore-preflight-errors=\(ignorePreflightErrors.joined(separator: ","))"
    }
    return flags
  }

  /// The engine's options from the shared phase flags; `target` replaces the flags' (an airgap bundle's set).
  func options(_ phaseOptions: PhaseOptions, state: StateOptions, target: UpgradeTarget? = nil) throws
    -> UpgradeOptions
  {
    guard phaseOptions.stack == nil else {
      throw ValidationError("--stack does not go with upgrade: name the set to move to with --to")
    }
    guard let target = target ?? self.target else {
      throw ValidationError("--to is required: the stack set to move to, or with --component that component's version")
    }
    var options = UpgradeOptions(
      target: target, phases: phaseOptions.phases.map { URL(fileURLWithPath: $0) },
      extraPhases: phaseOptions.extraPhases.map { URL(fileURLWithPath: $0) }, parameters: try phaseOptions.parameters(),
      fetcher: try phaseOptions.fetcher(), ignored: try ignored(), direct: direct, stateNamespace: state.stateNamespace)
    options.imageLister = PhaseOptions.imageLister
    options.crdHooks = KubeCRDVersionHooks()
    return options
  }
}

extension UpgradeTargetFlags {
  /// The engine's options, from an airgap bundle with --bundle: the bundle verified, extracted, its images
  /// pushed, and the options reading its phases, catalog and manifests (call ``PreparedBundle/cleanup()``).
  func options(_ phaseOptions: PhaseOptions, state: StateOptions, airgap: AirgapFlags, text: Bool) async throws
    -> (UpgradeOptions, PreparedBundle?)
  {
    guard let bundle = airgap.bundle else { return (try options(phaseOptions, state: state), nil) }
    guard component == nil else {
      throw ValidationError("--component does not go with --bundle: the bundle names the set to move to")
    }
    // Checked before the bundle's images are pushed, which takes a while.
    guard phaseOptions.stack == nil else {
      throw ValidationError("--stack does not go with upgrade: name the set to move to with --to")
    }
    guard phaseOptions.phases == nil, phaseOptions.extraPhases.isEmpty, phaseOptions.mirror == nil else {
      throw ValidationError(
        "--phases, --extra-phases and --mirror do not go with --bundle: the bundle carries the phases and manifests of its sets"
      )
    }
    let prepared = try await airgap.prepare(
      registryOptions: try airgap.access.registryOptions(), parameters: try phaseOptions.overrides(), stack: nil,
      showProgress: text)
    do {
      if text { Terminal.line("bundle \(bundle): \(prepared.summary)") }
      let target = UpgradeTarget.stack(try prepared.upgradeTarget(to: to))
      return (try prepared.upgradeOptions(try options(phaseOptions, state: state, target: target)), prepared)
    } catch {
      prepared.cleanup()
      throw error
    }
  }
}
