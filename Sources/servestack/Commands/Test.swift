import ArgumentParser
import Conformance
import Foundation
import HTTP
import Kubernetes
import ServestackCore

extension Servestack {
  struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the smoke, GPU-inference and autoscaling test phases and write the reports.",
      discussion: """
        Creates InferenceServices in a fresh namespace servestack-test-<random> (deleted afterwards unless \
        --keep), waits until they are Ready, sends requests through the ingress with each InferenceService's \
        host in the Host header, and generates load to watch replicas scale. Exit 0 only when no check failed \
        (skipped checks, such as the GPU phase without GPU nodes, do not fail a run).
        """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var outputOptions: OutputOptions

    @Option(help: ArgumentHelp("serverless, serverless-kourier or raw.", valueName: "profile"))
    var profile = "serverless"

    @Option(help: ArgumentHelp("Use the phase files of this folder instead of the built-in set.", valueName: "dir"))
    var phases: String?

    @Option(
      help: ArgumentHelp("Add the phase files of this folder (a site's own test phases; repeatable).", valueName: "dir")
    )
    var extraPhases: [String] = []

    @Option(
      parsing: .upToNextOption,
      help: ArgumentHelp(
        "Run only these test phases (smoke, gpu-inference, autoscaling, or a site's).", valueName: "phase"))
    var only: [String] = []

    @OptionGroup var run: TestRunFlags

    @Option(
      help: ArgumentHelp("Use this existing namespace (kept; only the test objects are deleted).", valueName: "name"))
    var namespace: String?

    @Flag(help: "Leave the test objects (and the namespace) in place.")
    var keep = false

    @Option(help: ArgumentHelp("Requests in flight during the autoscaling load (1-256).", valueName: "n"))
    var loadConcurrency: Int?

    @Option(
      help: ArgumentHelp("How long the autoscaling load runs (e.g. 30s, 2m; at most 30m).", valueName: "duration"))
    var loadDuration: String?

    @Option(
      help: ArgumentHelp(
        "Overall time limit of each phase (overrides the phase files' timeout).", valueName: "duration"))
    var timeout: String?

    @Option(
      help: ArgumentHelp("Set a test parameter, e.g. --set readyTimeout=10m (repeatable).", valueName: "name=value"))
    var set: [String] = []

    @Option(
      help: ArgumentHelp("Keep the result in this namespace as a ConfigMap (the periodic job).", valueName: "namespace")
    )
    var storeResults: String?

    @Option(help: ArgumentHelp("How many stored results to keep with --store-results.", valueName: "n"))
    var keepResults = 10

    @Option(help: ArgumentHelp("Push the run's metrics to this Prometheus Pushgateway.", valueName: "url"))
    var pushgateway: String?

    func run() async throws {
      let flags = TestParameterFlags(
        modelRegistry: run.modelRegistry, gpuModel: run.gpuModel, loadConcurrency: loadConcurrency,
        loadDuration: loadDuration, dcgmURL: run.dcgmUrl,
        assignments: try Assignments.parse(set, example: "--set readyTimeout=10m"))
      let parameters = try flags.parameters()
      let phaseTimeout = try timeout.map { text throws(ConformanceError) in try TestParameters.parseDuration(text) }
      let selected = try TestPhase.select(
        phases: phases.map { URL(fileURLWithPath: $0) }, extra: extraPhases.map { URL(fileURLWithPath: $0) },
        profile: profile, only: only.flatMap { $0.split(separator: ",").map(String.init) })
      guard !selected.isEmpty else { throw ValidationError("no test phase of profile \(profile) is selected") }

      let client = try cluster.client()
      let http = try InferenceClient.makeHTTPClient(connections: flags.httpConnections)
      let terminal = Terminal.standardError
      let options = TestRunOptions(
        profile: profile, namespace: namespace, keep: keep, requireGPU: run.requireGPU, ingressURL: run.ingress,
        inCluster: client.connection.isInCluster, parameters: parameters, phaseTimeout: phaseTimeout,
        progress: { event in Self.progress(event, terminal: terminal) })
      let report = try await TestRunner(client: client, http: http).run(selected, options: options)

      switch outputOptions.output {
      case .json: print(report.jsonText, terminator: "")
      case .text: print(report.consoleTable(color: Terminal.standardOutput.usesColor), terminator: "")
      }
      if let path = run.reportJson { try ConformanceReport.write(report.jsonText, to: URL(fileURLWithPath: path)) }
      if let path = run.reportJunit { try ConformanceReport.write(report.junitXML, to: URL(fileURLWithPath: path)) }
      if let path = run.reportHtml { try ConformanceReport.write(report.html, to: URL(fileURLWithPath: path)) }
      if let storeResults {
        let name = try await ResultStore(client: client, namespace: storeResults).save(report, keep: keepResults)
        terminal.write("result stored in configmap \(storeResults)/\(name)\n")
      }
      if let pushgateway { try await PushGateway.push(report, to: pushgateway, http: http) }
      if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    /// One line per finished check on stderr, so stdout keeps only the report.
    static func progress(_ event: TestProgress, terminal: Terminal) {
      switch event {
      case .runStarted(let namespace, let phases):
        terminal.write("testing \(phases.joined(separator: ", ")) in namespace \(namespace)\n")
      case .checkFinished(let phase, let check):
        let mark = check.outcome == .passed ? "ok  " : check.outcome == .failed ? "FAIL" : "skip"
        terminal.write("\(mark) \(phase)/\(check.name) (\(formatSeconds(check.durationSeconds))) \(check.reason)\n")
      case .phaseStarted, .phaseFinished, .note:
        break
      }
    }
  }
}
