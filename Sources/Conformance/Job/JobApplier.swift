public import Kubernetes

/// Applies the periodic job's objects (``JobRenderer``) with server-side apply, fitted to what the cluster
/// serves: its CronJob API version, and no PrometheusRule without the Prometheus Operator.
public struct JobApplier: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// Renders and applies (or dry-runs) the objects; a failed object is an outcome, not an error.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) from ``JobOptions/validate()``.
  public func apply(_ options: JobApplyOptions) async throws(ConformanceError) -> JobApplyResult {
    var job = options.job
    var notes: [String] = []
    if options.askCronJobVersion { job.cronJobAPIVersion = await JobRenderer.servedCronJobVersion(client) }
    if job.alerts != nil, !(await JobRenderer.servesPrometheusRules(client)) {
      // Without the Prometheus Operator the whole apply would fail on one object nobody could use.
      job.alerts = nil
      notes.append(
        "the cluster serves no monitoring.coreos.com/v1 PrometheusRule (no Prometheus Operator); the alerts are "
          + "left out (print them with `servestack job` without --apply, or pass --no-alerts)")
    }
    let objects = try JobRenderer.objects(job).map(KubeObject.init)
    let applied = await client.applyMany(
      objects, options: ApplyManyOptions(dryRun: options.dryRun, fieldManager: options.fieldManager))
    // A dry run creates no Namespace, so what goes into the job's own namespaces would be created, not missing.
    let ownNamespaces = Set(objects.filter { $0.kind == "Namespace" }.compactMap(\.name))
    let items = applied.results.map { result in
      var outcome = result.outcome
      if options.dryRun, let error = outcome.error, error.code == .notFound,
        let namespace = objects[result.index].namespace, ownNamespaces.contains(namespace)
      {
        outcome = .created
      }
      return JobApplyResult.Item(
        object: result.reference?.description ?? "object #\(result.index + 1)", outcome: outcome)
    }
    return JobApplyResult(
      dryRun: options.dryRun, items: items, notes: notes, cronJobAPIVersion: job.cronJobAPIVersion)
  }
}
