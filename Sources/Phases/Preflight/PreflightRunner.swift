public import Kubernetes
import ServestackCore

/// Runs preflight checks, kubeadm style: each passes, warns or fails with a reason and a fix. The cluster
/// is asked once for its version; every other check then runs concurrently (on one HTTP/2 connection).
public struct PreflightRunner: Sendable {
  public let client: KubeClient

  public init(client: KubeClient) { self.client = client }

  /// Runs the checks of the preflight phases among `selection` (all the phases selected for `profile`),
  /// or ``PreflightCheck/defaultChecks`` when there is none.
  ///
  /// - Parameters:
  ///   - rendered: the selected install phases, rendered; permissions and webhooks are checked against
  ///     their objects. Without them (the manifests could not be fetched) those checks are coarser.
  ///   - note: why `rendered` is missing, shown with the report.
  public func run(
    selection: [PhaseSpec], profile: Profile, rendered: [RenderedPhase]?, options: PreflightOptions, note: String? = nil
  ) async -> PreflightReport {
    let started = ContinuousClock.now
    let checks = Self.checks(of: selection, profile: profile)
    let install = selection.filter { $0.kind == .install }

    // cluster-reachable: one request, which the version check reads too.
    let reachStart = ContinuousClock.now
    let version: JSONValue
    do {
      version = try await client.getJSON(path: "/version")
    } catch {
      let reachable = PreflightCheckResult(
        name: "cluster-reachable", status: .fail, reason: error.message,
        fix:
          "check the kubeconfig (--kubeconfig, --context), that the cluster is up and that this machine can reach \(client.connection.server)",
        duration: .now - reachStart)
      let rest = checks.filter { $0.name != "cluster-reachable" }.map {
        PreflightCheckResult(name: $0.name, status: .skip, reason: "not run: the cluster cannot be reached")
      }
      return PreflightReport(results: [reachable] + rest, duration: .now - started, note: note)
    }
    let gitVersion = version["gitVersion"]?.stringValue ?? "unknown"
    let context = PreflightContext(
      client: client, profile: profile, install: install, rendered: rendered, options: options,
      serverVersion: gitVersion)
    let reachDuration = ContinuousClock.now - reachStart

    let results = await withTaskGroup(of: (Int, PreflightCheckResult).self) { group in
      for (index, check) in checks.enumerated() {
        group.addTask {
          let checkStart = ContinuousClock.now
          let verdict: Verdict
          if check.name == "cluster-reachable" {
            verdict = Verdict(
              .pass, "Kubernetes \(gitVersion) at \(client.connection.server) (\(Self.origin(of: client.connection)))")
          } else {
            verdict = await context.evaluate(check)
          }
          let elapsed = check.name == "cluster-reachable" ? reachDuration : ContinuousClock.now - checkStart
          return (index, Self.result(check, verdict, options: options, duration: elapsed))
        }
      }
      var results = [PreflightCheckResult?](repeating: nil, count: checks.count)
      for await (index, result) in group { results[index] = result }
      return results.compactMap { $0 }
    }
    return PreflightReport(results: results, duration: .now - started, note: note)
  }

  /// Where the connection came from, naming its context once: a kubeconfig's `source` already names it.
  static func origin(of connection: ClusterConnection) -> String {
    guard let context = connection.contextName, !connection.source.contains("context \(context)") else {
      return connection.source
    }
    return "context \(context), \(connection.source)"
  }

  /// The checks of the preflight phases of `selection` that apply to `profile`, first mention wins.
  static func checks(of selection: [PhaseSpec], profile: Profile) -> [PreflightCheck] {
    let phases = selection.filter { $0.kind == .preflight }
    let listed = phases.isEmpty ? PreflightCheck.defaultChecks : phases.flatMap(\.checks)
    var seen = Set<String>()
    var checks = listed.filter { $0.applies(to: profile) && seen.insert($0.name).inserted }
    if !seen.contains("cluster-reachable") { checks.insert(PreflightCheck(name: "cluster-reachable"), at: 0) }
    return checks
  }

  /// The verdict with the check's severity and `--ignore-preflight-errors` applied.
  static func result(_ check: PreflightCheck, _ verdict: Verdict, options: PreflightOptions, duration: Duration)
    -> PreflightCheckResult
  {
    var status = verdict.status
    let severity = check.name == "gpu-nodes" && options.expectGPUs ? .fail : check.severity
    if status == .fail && severity == .warn { status = .warn }
    var result = PreflightCheckResult(
      name: check.name, status: status, reason: verdict.reason, fix: verdict.fix, duration: duration)
    if status == .fail && options.ignores(check.name) {
      result.status = .warn
      result.ignored = true
      result.reason = "ignored: " + verdict.reason
    }
    return result
  }
}

/// One check's verdict before severity and ignores.
struct Verdict: Sendable {
  var status: PreflightStatus
  var reason: String
  var fix: String?

  init(_ status: PreflightStatus, _ reason: String, fix: String? = nil) {
    self.status = status
    self.reason = reason
    self.fix = fix
  }
}

/// What every check may look at.
struct PreflightContext: Sendable {
  let client: KubeClient
  let profile: Profile
  let install: [PhaseSpec]
  let rendered: [RenderedPhase]?
  let options: PreflightOptions
  let serverVersion: String

  func evaluate(_ check: PreflightCheck) async -> Verdict {
    switch check.name {
    case "kubernetes-version": return kubernetesVersion()
    case "permissions": return await permissions(check)
    case "nodes-ready": return await nodesReady(check)
    case "existing-installs": return await existingInstalls()
    case "failing-webhooks": return await failingWebhooks()
    case "default-storage-class": return await defaultStorageClass()
    case "load-balancer": return await loadBalancer()
    case "gpu-nodes": return await gpuNodes(check)
    case "registry-reachable": return await registryReachable()
    default: return Verdict(.skip, "this version of servestack does not know the check \(check.name)")
    }
  }

  /// Every object of the rendered install phases.
  var objects: [JSONValue] { rendered?.flatMap(\.objects) ?? [] }

  /// A verdict for a check that could not read what it needs.
  func unreadable(_ what: String, _ error: KubeError) -> Verdict {
    Verdict(
      .fail, "cannot read \(what): \(error.message)",
      fix: error.code == .forbidden
        ? "grant this identity read access to \(what) (cluster-admin installs the stack)" : nil)
  }
}
