public import Kubernetes

/// The InferenceService an upgrade keeps asking while it works (the Conformance module provides it, the
/// CLI wires it in): made ready before the first step, then asked by ``UpgradeProbeRun`` until the last
/// step is done.
public protocol UpgradeProbing: Sendable {
  /// Creates the probe (or reuses the one there) and waits until it answers.
  ///
  /// Throws, saying what did not answer and why, when it never does: the upgrade then changes nothing.
  func prepare(client: KubeClient) async throws -> UpgradeProbeTarget
}

/// A probe ready to be asked: what it is, one request, and how to clean up after the upgrade.
public struct UpgradeProbeTarget: Sendable {
  /// `inferenceservice servestack-probe/sklearn-iris via http://10.0.0.1:31380`.
  public var description: String
  /// Sends one request; nil when it was answered as expected, else why not.
  public var send: @Sendable () async -> String?
  /// Deletes what `prepare` created (a probe it reused is left); a sentence when that failed.
  public var finish: @Sendable () async -> String?

  public init(
    description: String, send: @escaping @Sendable () async -> String?,
    finish: @escaping @Sendable () async -> String? = { nil }
  ) {
    self.description = description
    self.send = send
    self.finish = finish
  }
}
