/// What the engine does with a phase it starts, as ``EngineEvent/phaseStarted(name:index:total:action:)``
/// reports it; ``description`` is the word the progress line and the JSON event show.
public enum PhaseAction: Sendable, Equatable, CustomStringConvertible {
  /// `install --dry-run`: a server-side dry run of its objects.
  case dryRun
  /// Succeeded before with the same digest: its waits are checked again, nothing applied.
  case verifying
  /// Applied, and why.
  case applying(InstallState.ApplyReason)
  case uninstalling
  /// `uninstall --dry-run`.
  case dryRunUninstall

  public var description: String {
    switch self {
    case .dryRun: "dry run"
    case .verifying: "verifying"
    case .applying(let reason): "applying: \(reason)"
    case .uninstalling: "uninstalling"
    case .dryRunUninstall: "dry run: uninstall"
    }
  }
}
