import ArgumentParser
import Conformance
import Foundation
import Kubernetes
import Phases
import ServestackCore
import YAML

extension Servestack {
  struct Job: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Render (or apply) the periodic in-cluster conformance CronJob with least-privilege RBAC.",
      discussion: """
        Renders two Namespaces (the job's and the tests'), a ServiceAccount, Roles allowing only what the tests \
        touch, their bindings, a CronJob running `servestack test` on the schedule, a PrometheusRule (alerts; \
        --no-alerts) and a Grafana dashboard ConfigMap (--no-dashboard). Each run's result is kept \
        as a ConfigMap in the job's namespace (the last --keep-results), with its Prometheus metrics in \
        metrics.prom, and pushed to a Pushgateway with --pushgateway. Prints YAML unless --apply.
        """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    @Option(help: ArgumentHelp("Cron schedule, e.g. \"0 */6 * * *\".", valueName: "cron"))
    var schedule: String

    @Option(help: ArgumentHelp("The servestack image to run (the bundle carries one).", valueName: "ref"))
    var image: String

    @Option(help: ArgumentHelp("Namespace of the CronJob and the stored results.", valueName: "name"))
    var namespace = "servestack-system"

    @Option(help: ArgumentHelp("Namespace the tests create their InferenceServices in.", valueName: "name"))
    var testNamespace = "servestack-conformance"

    @Option(help: ArgumentHelp("How many results to keep in the cluster.", valueName: "n"))
    var keepResults = 10

    @Option(help: ArgumentHelp("serverless, serverless-kourier or raw.", valueName: "profile"))
    var profile = "serverless"

    @Flag(help: "Fail, instead of skip, the GPU phase when no node has allocatable GPUs.")
    var requireGPU = false

    @Option(help: ArgumentHelp("A test parameter for every run (repeatable).", valueName: "name=value"))
    var set: [String] = []

    @Option(help: ArgumentHelp("A DCGM exporter's metrics URL for the GPU-busy check.", valueName: "url"))
    var dcgmUrl: String?

    @Option(help: ArgumentHelp("Push each run's metrics to this Prometheus Pushgateway.", valueName: "url"))
    var pushgateway: String?

    @Option(
      help: ArgumentHelp(
        "batch/v1 (default) or batch/v1beta1 (Kubernetes 1.20); --apply asks the cluster.", valueName: "version"))
    var cronjobApiVersion: String?

    @Flag(help: "Render no PrometheusRule (alerts on failed runs, no recent success, p99 latency, cold start).")
    var noAlerts = false

    @Option(
      help: ArgumentHelp("Alert when a run's p99 latency under load is above this many seconds.", valueName: "seconds"))
    var alertP99Seconds = 2.0

    @Option(help: ArgumentHelp("Alert when a run's cold start is above this many seconds.", valueName: "seconds"))
    var alertColdStartSeconds = 60.0

    @Flag(help: "Render no Grafana dashboard ConfigMap.")
    var noDashboard = false

    @Flag(help: "Apply the objects (server-side apply) instead of printing them.")
    var apply = false

    @Flag(help: "With --apply: a server-side dry run; nothing is changed.")
    var dryRun = false

    func run() async throws {
      var parameters: [String: String] = [:]
      parameters.merge(try Assignments.parse(set, example: "--set readyTimeout=10m")) { _, new in new }
      do {
        _ = try Profile(parsing: profile)
      } catch {
        throw ValidationError("--profile: \(error.userMessage)")
      }
      guard apply || !dryRun else {
        throw ValidationError("--dry-run goes with --apply (without --apply nothing is sent)")
      }
      _ = try TestParameters(profile: profile, namespace: testNamespace, overrides: parameters)
      let options = JobOptions(
        schedule: schedule, image: image, namespace: namespace, testNamespace: testNamespace, keepResults: keepResults,
        profile: profile, cronJobAPIVersion: cronjobApiVersion ?? "batch/v1", requireGPU: requireGPU,
        parameters: parameters,
        dcgmURL: dcgmUrl, pushgateway: pushgateway,
        alerts: noAlerts
          ? nil : JobAlerts.Thresholds(p99Seconds: alertP99Seconds, coldStartSeconds: alertColdStartSeconds),
        dashboard: !noDashboard)
      guard apply else {
        let objects = try JobRenderer.objects(options)
        switch outputOptions.output {
        case .json:
          print(JSONValue.object(["apiVersion": "v1", "kind": "List", "items": .array(objects)]).serialized(.pretty))
        case .text: print(try YAMLEmitter.emit(objects), terminator: "")
        }
        return
      }
      let result = try await JobApplier(client: try cluster.client()).apply(
        JobApplyOptions(job: options, askCronJobVersion: cronjobApiVersion == nil, dryRun: dryRun))
      for note in result.notes { Terminal.standardError.write("note: \(note)\n") }
      switch outputOptions.output {
      case .json:
        print(result.json.serialized(.pretty))
      case .text:
        for item in result.items { print("\(item.object) \(item.outcome)\(dryRun ? " (server dry run)" : "")") }
      }
      if let failure = result.failure { throw ExitCode(failure.category.exitCode) }
    }
  }
}
