public import ServestackCore

/// A preflight-style finding of an upgrade plan (kubeadm's `--ignore-preflight-errors` names them):
/// `off-matrix` (a component version not tested with another installed one), `kubernetes-version` (the
/// cluster is below a target version's minimum). Ignored findings are warnings.
public struct UpgradeFinding: Sendable, Equatable {
  public static let offMatrix = "off-matrix"
  public static let kubernetesVersion = "kubernetes-version"

  public let check: String
  /// The step it concerns (1-based).
  public let step: Int
  public let message: String
  /// Turned into a warning by `--ignore-preflight-errors`.
  public var ignored: Bool

  public var json: JSONValue {
    [
      "check": .string(check), "step": .int(step), "message": .string(message),
      "status": .string(ignored ? "warn" : "fail"),
    ]
  }
}
