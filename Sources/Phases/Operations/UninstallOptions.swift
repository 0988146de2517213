/// Options of `servestack uninstall`.
public struct UninstallOptions: Sendable {
  /// The phase set, for the order (reverse install order of the installed profile).
  public var phaseSet: PhaseSet
  /// Also delete the CRDs the phases installed (and with them every custom resource of their kinds).
  public var deleteCRDs: Bool
  /// Say what would be deleted and skipped; delete nothing.
  public var dryRun: Bool
  /// How long to wait for each object to be gone.
  public var timeout: Duration
  public var stateNamespace: String
  public var leaseDuration: Duration
  /// Our field manager: objects applied by any other manager, or touched by kubectl or Helm, are kept.
  public var fieldManager: String

  public init(
    phaseSet: PhaseSet, deleteCRDs: Bool = false, dryRun: Bool = false, timeout: Duration = .seconds(300),
    stateNamespace: String = InstallOptions.defaultStateNamespace, leaseDuration: Duration = .seconds(30),
    fieldManager: String = "servestack"
  ) {
    self.phaseSet = phaseSet
    self.deleteCRDs = deleteCRDs
    self.dryRun = dryRun
    self.timeout = timeout
    self.stateNamespace = stateNamespace
    self.leaseDuration = leaseDuration
    self.fieldManager = fieldManager
  }
}
