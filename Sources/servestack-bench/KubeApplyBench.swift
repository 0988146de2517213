import ArgumentParser
import Foundation
import Kubernetes
import ServestackCore
import YAML

/// Server-side apply of a few hundred upstream objects with `applyMany` versus `kubectl apply
/// --server-side -f <dir>`: a first apply into fresh namespaces and a re-apply of the unchanged set, per
/// round, side by side.
struct KubeApplyBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kube-apply", abstract: "applyMany versus kubectl apply --server-side on upstream manifests.")

  @Option(help: "Kubeconfig of the cluster to apply to (objects go into fresh bench-* namespaces).") var kubeconfig:
    String
  @Option(help: "Rounds; each applies a fresh copy of the set with each tool, then re-applies it.") var rounds = 3
  @Option(help: "Copies of the filtered set per apply (distinct namespaces and names); 0: enough for 300 objects.")
  var copies = 0
  @Option(help: "Requests in flight for applyMany.") var concurrency = 16
  @Option(help: "The upstream fixtures folder (default: $SERVESTACK_SHARED or ../shared, /fixtures/upstream).")
  var fixtures: String?
  @Option(help: "The kubectl binary.") var kubectl = "/usr/bin/kubectl"
  @Option(help: "Extra arguments for kubectl apply, space-separated (e.g. --validate=false).") var kubectlArgs = ""
  @Flag(help: "Leave the bench namespaces and cluster-scoped objects in place.") var keep = false
  @Flag(help: "PATCH every object on the re-apply too (applyMany's skipUnchanged off).") var noSkipUnchanged = false

  func run() async throws {
    let fixturesURL = try Self.fixturesFolder(fixtures)
    let config = KubeConfigOptions(kubeconfig: kubeconfig)
    let client = try KubeClient(config: config)
    let set = try KubeBenchSet(fixtures: fixturesURL)
    print(
      "kube-apply: \(set.base.count) candidate objects from \(KubeBenchSet.manifests.count) manifests in \(fixturesURL.path)"
    )
    for (why, count) in set.excluded.sorted(by: { $0.key < $1.key }) {
      print("  left out before the dry run: \(count) × \(why)")
    }

    let namespaced = try await Self.namespacedKinds(set.base.map(\.object), client: client)
    let accepted = try await Self.probe(set.base.map(\.object), client: client, namespaced: namespaced)
    let perCopy = KubeBenchSet.copy(accepted, tag: "x", namespaced: namespaced).count
    let copies = self.copies > 0 ? self.copies : Int((300.0 / Double(perCopy)).rounded(.up))
    print(
      "accepted by a server-side dry run: \(accepted.count) objects; with namespaces \(perCopy) per copy, \(copies) copies → \(perCopy * copies) objects per apply"
    )
    print(
      "cluster-scoped objects (ClusterRole, ClusterRoleBinding, …) get a per-copy name suffix; namespaced ones move to <copy>-<namespace>"
    )

    var rows: [Row] = []
    var created: [[KubeObject]] = []
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "servestack-bench-kube-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(at: scratch) }
    for round in 1...max(1, rounds) {
      let stamp = String(Int(Date().timeIntervalSince1970) % 100000)
      func objects(_ tool: String) -> [KubeObject] {
        (0..<copies).flatMap { KubeBenchSet.copy(accepted, tag: "kb\(stamp)\(tool)\($0)", namespaced: namespaced) }
      }
      let ours = objects("s")
      let theirs = objects("k")
      created += [ours, theirs]
      // Alternate which tool goes first, so neither always meets a cluster busy with the other's aftermath.
      let order = round % 2 == 1 ? ["servestack", "kubectl"] : ["kubectl", "servestack"]
      for tool in order {
        if tool == "servestack" {
          rows.append(
            try await Self.servestack(
              ours, round: round, config: config, concurrency: concurrency, skipUnchanged: !noSkipUnchanged))
        } else {
          let dir = scratch.appendingPathComponent("round\(round)")
          rows.append(
            try await Self.kubectl(
              theirs, round: round, dir: dir, kubectl: kubectl, kubeconfig: kubeconfig, extra: kubectlArgs))
        }
      }
    }
    Self.report(rows, objects: perCopy * copies)
    if !keep { await Self.cleanUp(created.flatMap { $0 }, client: client) }
  }

  struct Row {
    var tool: String
    var round: Int
    var objects: Int
    var first: Double
    var reapply: Double
    var note: String
    /// CPU seconds of apiserver + etcd, and of the client, during the first apply and the re-apply.
    var serverCPU: (Double, Double) = (0, 0)
    var clientCPU: (Double, Double) = (0, 0)
  }

  /// Runs `body` and measures wall time, control-plane CPU and client CPU (`ourselves` or children).
  static func measure<T>(ourselves: Bool, _ body: () async throws -> T) async rethrows -> (T, Double, Double, Double) {
    let server = ServerCPU()
    let serverBefore = server.seconds()
    let clientBefore = ourselves ? ServerCPU.selfSeconds() : ServerCPU.childrenSeconds()
    let start = ContinuousClock.now
    let value = try await body()
    let wall = seconds(ContinuousClock.now - start)
    let client = (ourselves ? ServerCPU.selfSeconds() : ServerCPU.childrenSeconds()) - clientBefore
    return (value, wall, server.seconds() - serverBefore, client)
  }

  static func servestack(
    _ objects: [KubeObject], round: Int, config: KubeConfigOptions, concurrency: Int, skipUnchanged: Bool
  ) async throws -> Row {
    // A fresh client for each apply: discovery is part of the cost, as for a new kubectl process.
    let options = ApplyManyOptions(concurrency: concurrency, skipUnchanged: skipUnchanged)
    let (first, firstTime, firstServer, firstClient) = try await measure(ourselves: true) {
      try await KubeClient(config: config).applyMany(objects, options: options)
    }
    let (again, againTime, againServer, againClient) = try await measure(ourselves: true) {
      try await KubeClient(config: config).applyMany(objects, options: options)
    }
    for failure in (first.failures + again.failures).prefix(5) { print("  servestack failure: \(failure)") }
    let note =
      "first: \(first.created) created, \(first.failures.count) failed, \(first.requests) requests; "
      + "re-apply: \(again.unchanged) unchanged, \(again.configured) configured, \(again.failures.count) failed, \(again.requests) requests"
    print("round \(round) servestack: first \(format(firstTime)) s, re-apply \(format(againTime)) s (\(note))")
    var configured: [String: Int] = [:]
    for result in again.results where result.outcome.label == "configured" {
      configured[result.reference?.gvk.kind ?? "?", default: 0] += 1
    }
    if !configured.isEmpty {
      print(
        "  configured on re-apply (resourceVersion moved, see docs/benchmarks/kubernetes.md): \(configured.sorted { $0.key < $1.key })"
      )
    }
    return Row(
      tool: "servestack", round: round, objects: objects.count, first: firstTime, reapply: againTime, note: note,
      serverCPU: (firstServer, againServer), clientCPU: (firstClient, againClient))
  }

  static func kubectl(
    _ objects: [KubeObject], round: Int, dir: URL, kubectl: String, kubeconfig: String, extra: String
  ) async throws -> Row {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // kubectl applies a folder's files in name order and the objects of a file in order: namespaces first.
    let namespaces = objects.filter { $0.kind == "Namespace" }
    let rest = objects.filter { $0.kind != "Namespace" }
    try YAMLEmitter.emit(namespaces.map(\.json)).write(
      to: dir.appendingPathComponent("00-namespaces.yaml"), atomically: true, encoding: .utf8)
    try YAMLEmitter.emit(rest.map(\.json)).write(
      to: dir.appendingPathComponent("10-objects.yaml"), atomically: true, encoding: .utf8)
    let arguments =
      ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", dir.path]
      + extra.split(separator: " ").map(String.init)
    let (first, _, firstServer, firstClient) = try await measure(ourselves: false) {
      try await runTimed(kubectl, arguments)
    }
    let (again, _, againServer, againClient) = try await measure(ourselves: false) {
      try await runTimed(kubectl, arguments)
    }
    let note =
      "first: exit \(first.status), \(first.applied) applied; re-apply: exit \(again.status), \(again.applied) applied"
    for line in (first.errors + again.errors).prefix(5) { print("  kubectl: \(line)") }
    print("round \(round) kubectl:    first \(format(first.seconds)) s, re-apply \(format(again.seconds)) s (\(note))")
    return Row(
      tool: "kubectl", round: round, objects: objects.count, first: first.seconds, reapply: again.seconds, note: note,
      serverCPU: (firstServer, againServer), clientCPU: (firstClient, againClient))
  }

  struct Timed: Sendable {
    var seconds: Double
    var status: Int32
    var applied: Int
    var errors: [String]
  }

  static func runTimed(_ executable: String, _ arguments: [String]) async throws -> Timed {
    try await BlockingExecutor.shared.run {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      let out = Pipe()
      // stderr to a file, so that only one pipe needs draining while kubectl runs.
      let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
        "kubectl-\(UUID().uuidString.prefix(8)).err")
      _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
      defer { try? FileManager.default.removeItem(at: errorFile) }
      let errorHandle = try FileHandle(forWritingTo: errorFile)
      process.standardOutput = out
      process.standardError = errorHandle
      let start = ContinuousClock.now
      try process.run()
      let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      let elapsed = seconds(ContinuousClock.now - start)
      try? errorHandle.close()
      let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
      let errors = errorText.split(separator: "\n").map(String.init)
        .filter { !$0.contains("version difference") && !$0.hasPrefix("Warning:") }
      let applied = output.split(separator: "\n").count { $0.contains("serverside-applied") }
      return Timed(seconds: elapsed, status: process.terminationStatus, applied: applied, errors: errors)
    }
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
