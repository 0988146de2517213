import Foundation
public import Kubernetes
public import ServestackCore

/// Runs the test phases after the install phases succeeded (the Conformance module provides it).
public protocol TestPhaseRunning: Sendable {
  /// Runs `phases` (test phases, in order) against the installed stack.
  func runTestPhases(_ phases: [PhaseSpec], parameters: PhaseParameters, client: KubeClient) async -> TestPhasesOutcome
}

/// What the test phases said.
public struct TestPhasesOutcome: Sendable {
  public var passed: Bool
  /// One line for the summary (`smoke passed, gpu-inference skipped (no GPU node), autoscaling passed`).
  public var summary: String
  /// The report, for `-o json`.
  public var json: JSONValue

  public init(passed: Bool, summary: String, json: JSONValue = .null) {
    self.passed = passed
    self.summary = summary
    self.json = json
  }
}

/// Everything `install` (and `install --dry-run`, `plan`) needs to know.
public struct InstallOptions: Sendable {
  public static let defaultStateNamespace = "servestack-system"

  /// Rewrites a rendered phase's objects before they are applied (airgap: images to the private
  /// registry). The applied digest is computed over the rewritten objects.
  public typealias ObjectRewriter = @Sendable (RenderedPhase) async throws -> [JSONValue]

  public var phaseSet: PhaseSet
  /// The profile and the `${…}` values.
  public var parameters: PhaseParameters
  public var fetcher: ManifestFetcher
  /// `--from PHASE`: start here; this and later phases are applied again.
  public var from: String?
  /// `--only PHASE`: just these phases, applied again.
  public var only: [String]
  /// Server-side dry run through the whole engine: nothing is stored, no state, no Lease, no waits.
  public var dryRun: Bool
  /// Overall time limit (`--timeout`); each phase also has its own.
  public var timeout: Duration?
  /// Preflight options; nil skips preflight.
  public var preflight: PreflightOptions?
  public var skipTests: Bool
  /// The Conformance integration; nil: the test phases are reported as not run.
  public var testRunner: (any TestPhaseRunning)?
  public var rewrite: ObjectRewriter?
  /// Lists each phase's images for dry runs and plans (the Images module's extractor).
  public var imageLister: PhasePlanner.ImageLister?
  /// Where the state ConfigMap and the Lease live.
  public var stateNamespace: String
  /// How long the Lease holds without renewal; it is renewed every third of it (at most every 10 s).
  public var leaseDuration: Duration
  /// How long a verification (re-checking the waits of a phase installed before) may take before the
  /// phase is applied again.
  public var verifyTimeout: Duration
  /// The command that repeats this install, for "to resume, run …" (`servestack install --profile raw`).
  public var command: String
  /// Which stack set `phaseSet` is and why, for the preflight report (nil: not chosen from a catalog).
  public var stackChoice: StackChoice?

  public init(
    phaseSet: PhaseSet, parameters: PhaseParameters, fetcher: ManifestFetcher, from: String? = nil, only: [String] = [],
    dryRun: Bool = false, timeout: Duration? = nil, preflight: PreflightOptions? = PreflightOptions(),
    skipTests: Bool = false,
    testRunner: (any TestPhaseRunning)? = nil, rewrite: ObjectRewriter? = nil,
    stateNamespace: String = InstallOptions.defaultStateNamespace, leaseDuration: Duration = .seconds(30),
    verifyTimeout: Duration = .seconds(20), command: String = "servestack install"
  ) {
    self.phaseSet = phaseSet
    self.parameters = parameters
    self.fetcher = fetcher
    self.from = from
    self.only = only
    self.dryRun = dryRun
    self.timeout = timeout
    self.preflight = preflight
    self.skipTests = skipTests
    self.testRunner = testRunner
    self.rewrite = rewrite
    self.stateNamespace = stateNamespace
    self.leaseDuration = leaseDuration
    self.verifyTimeout = verifyTimeout
    self.command = command
  }

  /// The profile being installed.
  public var profile: Profile { parameters.profile }
}
