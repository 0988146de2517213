import Kubernetes
import ServestackCore

/// The settings of Knative's autoscaler that bound how long an idle revision keeps its pods, from the
/// `config-autoscaler` ConfigMap (knative.dev/docs serving/autoscaling/scale-to-zero): the stable window
/// over which no traffic must arrive, then the scale-to-zero grace period (and the pod retention period)
/// before the last pod goes. Knative's defaults where the ConfigMap or a key is absent or unreadable.
struct KnativeAutoscalerConfig: Sendable {
  var stableWindow: Duration = .seconds(60)
  var gracePeriod: Duration = .seconds(30)
  var retention: Duration = .zero
  var scaleToZeroEnabled = true
  /// Where the values came from (`knative-serving/config-autoscaler`, or why the defaults are used).
  var source: String

  /// Time for the pod to stop and the Deployment to report it, on top of Knative's own delays.
  static let margin: Duration = .seconds(30)

  /// How long after the last request the predictor should have no ready replica.
  var bound: Duration { stableWindow + gracePeriod + retention + Self.margin }

  /// `stable window 60s + grace period 30s + 30s margin (knative-serving/config-autoscaler)`.
  var boundText: String {
    var parts = [
      "stable window \(formatSeconds(stableWindow.seconds))", "grace period \(formatSeconds(gracePeriod.seconds))",
    ]
    if retention > .zero { parts.append("pod retention \(formatSeconds(retention.seconds))") }
    parts.append("\(formatSeconds(Self.margin.seconds)) margin")
    return parts.joined(separator: " + ") + " (\(source))"
  }

  /// Reads `namespace/name`; per-revision annotations of the InferenceService
  /// (`autoscaling.knative.dev/window`, `…/scale-to-zero-pod-retention-period`) override the ConfigMap.
  static func read(_ location: String, client: KubeClient, annotations: [String: String]) async -> Self {
    let parts = location.split(separator: "/").map(String.init)
    var config = Self(source: "Knative's defaults: \(location) not found")
    if parts.count == 2 {
      do {
        if let map = try await client.getIfExists(
          ObjectReference(GroupVersionKind.configMap, namespace: parts[0], name: parts[1]))
        {
          config.source = location
          let data = map["data"]?.objectValue ?? [:]
          func duration(_ key: String) -> Duration? {
            data[key]?.stringValue.flatMap { try? GoDuration($0).duration }
          }
          config.stableWindow = duration("stable-window") ?? config.stableWindow
          config.gracePeriod = duration("scale-to-zero-grace-period") ?? config.gracePeriod
          config.retention = duration("scale-to-zero-pod-retention-period") ?? config.retention
          config.scaleToZeroEnabled = data["enable-scale-to-zero"]?.stringValue != "false"
        }
      } catch {
        config.source = "Knative's defaults: cannot read \(location): \(error.message)"
      }
    }
    if let window = annotations["autoscaling.knative.dev/window"].flatMap({ try? GoDuration($0).duration }) {
      config.stableWindow = window
    }
    if let retention = annotations["autoscaling.knative.dev/scale-to-zero-pod-retention-period"].flatMap({
      try? GoDuration($0).duration
    }) {
      config.retention = retention
    }
    return config
  }
}
