/// What `servestack upgrade plan|apply` moves to: a named stack set (`--to SET`) or one component's
/// version (`--component NAME --to VERSION`).
public enum UpgradeTarget: Sendable, Equatable, CustomStringConvertible {
  case stack(String)
  case component(String, version: String)

  /// `stack kserve-0.16`, `knative-serving v1.21.1`: also the key that tells a resumed upgrade from a new one.
  public var description: String {
    switch self {
    case .stack(let name): "stack \(name)"
    case .component(let name, let version): "\(name) \(version)"
    }
  }

  /// The flags that name this target (`--to kserve-0.16`, `--component knative-serving --to v1.21.1`).
  public var flags: String {
    switch self {
    case .stack(let name): "--to \(name)"
    case .component(let name, let version): "--component \(name) --to \(version)"
    }
  }
}
