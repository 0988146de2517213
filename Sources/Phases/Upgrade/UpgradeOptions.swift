public import Foundation
import ServestackCore

/// Everything `servestack upgrade plan|apply` needs to know.
public struct UpgradeOptions: Sendable {
  public var target: UpgradeTarget
  /// `--phases` / `--extra-phases`, as for install.
  public var phases: URL?
  public var extraPhases: [URL]
  public var parameters: PhaseParameters
  public var fetcher: ManifestFetcher
  /// `--ignore-preflight-errors`: check names or `all`.
  public var ignored: Set<String>
  /// `--direct`: the target in one step, refused when its `upgradeFrom` does not admit what is installed.
  public var direct: Bool
  /// `--prune-crds`: CRDs the new version no longer has are deleted too (and with them their objects).
  public var pruneCRDs: Bool
  public var timeout: Duration?
  public var stateNamespace: String
  public var leaseDuration: Duration
  public var verifyTimeout: Duration
  public var fieldManager: String
  /// The command that repeats this upgrade (`servestack upgrade apply --to kserve-0.16`).
  public var command: String
  /// This command line's flags other than the target (phases, bundle, state, cluster), for the way back a
  /// failed step prints.
  public var otherFlags = ""
  /// Lists each phase's images for plans.
  public var imageLister: PhasePlanner.ImageLister?
  /// CRD version analysis and stored-version migration (nil: no CRD changes are reported or migrated).
  public var crdHooks: (any CRDVersionHooks)?
  /// The InferenceService asked during the whole upgrade (nil: `--no-probe`, `--skip-tests`, or none wired).
  public var probe: (any UpgradeProbing)?
  /// At most one probe request per interval (one in flight at a time).
  public var probeInterval: Duration = .milliseconds(250)
  /// The test phases after the last step, as after install (nil: not wired, reported as not run).
  public var testRunner: (any TestPhaseRunning)?
  /// `--skip-tests`.
  public var skipTests = false
  /// Applied to every phase's objects before they are sent (an airgap bundle's images in the private registry).
  public var rewrite: InstallOptions.ObjectRewriter?
  /// The sets the installed one must be (an airgap bundle carries only their versions), and where they come
  /// from for the refusal (`the bundle B.tar`); nil: any installed set.
  public var requiredInstalled: (sets: [String], origin: String)?

  public init(
    target: UpgradeTarget, phases: URL? = nil, extraPhases: [URL] = [], parameters: PhaseParameters,
    fetcher: ManifestFetcher,
    ignored: Set<String> = [], direct: Bool = false, pruneCRDs: Bool = false, timeout: Duration? = nil,
    stateNamespace: String = InstallOptions.defaultStateNamespace, leaseDuration: Duration = .seconds(30),
    verifyTimeout: Duration = .seconds(20), fieldManager: String = "servestack",
    command: String = "servestack upgrade apply"
  ) {
    self.target = target
    self.phases = phases
    self.extraPhases = extraPhases
    self.parameters = parameters
    self.fetcher = fetcher
    self.ignored = ignored
    self.direct = direct
    self.pruneCRDs = pruneCRDs
    self.timeout = timeout
    self.stateNamespace = stateNamespace
    self.leaseDuration = leaseDuration
    self.verifyTimeout = verifyTimeout
    self.fieldManager = fieldManager
    self.command = command
  }

  /// Install options for one step's phase set (no preflight, no tests: the upgrade runs its own checks).
  func installOptions(_ phaseSet: PhaseSet) -> InstallOptions {
    var options = InstallOptions(
      phaseSet: phaseSet, parameters: parameters, fetcher: fetcher, timeout: timeout, preflight: nil, skipTests: true,
      stateNamespace: stateNamespace, leaseDuration: leaseDuration, verifyTimeout: verifyTimeout, command: command)
    options.imageLister = imageLister
    options.rewrite = rewrite
    return options
  }
}
