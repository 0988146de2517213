import ArgumentParser
import Foundation
import Kubernetes
import ServestackCore

extension KubeApplyBench {
  static func fixturesFolder(_ given: String?) throws -> URL {
    if let given { return URL(fileURLWithPath: given) }
    let shared =
      ProcessInfo.processInfo.environment["SERVESTACK_SHARED"].flatMap { $0.isEmpty ? nil : $0 } ?? "../shared"
    let url = URL(fileURLWithPath: shared).appendingPathComponent("fixtures/upstream")
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw ValidationError("no fixtures at \(url.path); pass --fixtures or set SERVESTACK_SHARED")
    }
    return url
  }

  /// Which objects are of namespaced kinds, by discovery; kinds the cluster does not know count as
  /// namespaced when the manifest gives a namespace (the dry run drops them anyway).
  static func namespacedKinds(_ objects: [KubeObject], client: KubeClient) async throws
    -> @Sendable (KubeObject) -> Bool
  {
    var scoped: [String: Bool] = [:]
    for object in objects {
      guard let gvk = object.gvk, scoped[gvk.description] == nil else { continue }
      scoped[gvk.description] = (try? await client.mapper.mapping(for: gvk))?.namespaced
    }
    let table = scoped
    return { object in
      guard let gvk = object.gvk, let known = table[gvk.description] else { return object.namespace != nil }
      return known
    }
  }

  /// One server-side dry run of a copy (its namespaces really created, then deleted): what the cluster
  /// rejects is dropped and listed with the server's reason.
  static func probe(
    _ objects: [KubeObject], client: KubeClient, namespaced: @escaping @Sendable (KubeObject) -> Bool
  ) async throws -> [KubeObject] {
    let tag = "kbprobe\(Int(Date().timeIntervalSince1970) % 100000)"
    let copy = KubeBenchSet.copy(objects, tag: tag, namespaced: namespaced)
    let namespaces = copy.filter { $0.kind == "Namespace" }
    let created = await client.applyMany(namespaces)
    guard created.succeeded else { throw ValidationError("cannot create the probe namespaces: \(created.failures)") }
    let dry = await client.applyMany(Array(copy.dropFirst(namespaces.count)), options: ApplyManyOptions(dryRun: true))
    for namespace in namespaces.compactMap(\.reference) { _ = try? await client.delete(namespace) }
    var accepted: [KubeObject] = []
    var dropped: [String: [String]] = [:]
    // `copy` keeps the order of `objects` minus the Namespace objects, so results line up with them.
    let originals = objects.filter { $0.kind != "Namespace" }
    for (index, result) in dry.results.enumerated() {
      if let error = result.outcome.error {
        let reason = Self.shortReason(error.serverMessage ?? error.message, tag: tag)
        dropped[reason, default: []].append("\(originals[index].kind ?? "?") \(originals[index].name ?? "?")")
      } else {
        accepted.append(originals[index])
      }
    }
    accepted.insert(contentsOf: objects.filter { $0.kind == "Namespace" }, at: 0)
    let total = dropped.values.reduce(0) { $0 + $1.count }
    print("dropped by the dry run: \(total) objects")
    for (reason, names) in dropped.sorted(by: { $0.value.count > $1.value.count }) {
      print("  \(names.count) × \(reason)")
      print("      \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : "")")
    }
    return accepted
  }

  /// The server's message without object names, so that like rejections group together.
  static func shortReason(_ message: String, tag: String) -> String {
    var text = message.replacingOccurrences(of: tag + "-", with: "").replacingOccurrences(of: "-" + tag, with: "")
      .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    if let range = text.range(of: "\" is invalid: ") { text = "… is invalid: " + text[range.upperBound...] }
    if text.hasPrefix("no kind ") { text = String(text.prefix(while: { $0 != ":" })) }
    text = text.replacingOccurrences(of: #"\[\d+\]"#, with: "[i]", options: .regularExpression)
    text = text.replacingOccurrences(of: #"\.name: "[^"]*""#, with: ".name: …", options: .regularExpression)
    return String(text.prefix(200))
  }

  static func report(_ rows: [Row], objects: Int) {
    print(
      "\n| round | tool | objects | first apply s | objects/s | server CPU s | client CPU s | re-apply s | objects/s | server CPU s | client CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows {
      print(
        "| \(row.round) | \(row.tool) | \(row.objects) | \(format(row.first)) | \(String(format: "%.0f", Double(row.objects) / row.first)) "
          + "| \(format(row.serverCPU.0)) | \(format(row.clientCPU.0)) "
          + "| \(format(row.reapply)) | \(String(format: "%.0f", Double(row.objects) / row.reapply)) "
          + "| \(format(row.serverCPU.1)) | \(format(row.clientCPU.1)) |")
    }
    print(
      "(server CPU: kube-apiserver + etcd user+system seconds during the run, from /proc; client CPU: this process for servestack, the kubectl child for kubectl)"
    )
    func median(_ values: [Double]) -> Double {
      let sorted = values.sorted()
      return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
    let ours = rows.filter { $0.tool == "servestack" }
    let theirs = rows.filter { $0.tool == "kubectl" }
    let firstRatio = median(theirs.map(\.first)) / median(ours.map(\.first))
    let reapplyRatio = median(theirs.map(\.reapply)) / median(ours.map(\.reapply))
    print(
      "\nmedian first apply: servestack \(format(median(ours.map(\.first)))) s, kubectl \(format(median(theirs.map(\.first)))) s "
        + "→ \(String(format: "%.1f", firstRatio))× faster")
    print(
      "median re-apply:    servestack \(format(median(ours.map(\.reapply)))) s, kubectl \(format(median(theirs.map(\.reapply)))) s "
        + "→ \(String(format: "%.1f", reapplyRatio))× faster")
    print(
      "target ≥ 5×: first apply \(firstRatio >= 5 ? "met" : "NOT met"), re-apply \(reapplyRatio >= 5 ? "met" : "NOT met")"
    )
  }

  /// Deletes what the rounds created: namespaces (with everything in them) and cluster-scoped objects.
  static func cleanUp(_ objects: [KubeObject], client: KubeClient) async {
    let targets = objects.filter { $0.namespace == nil }.compactMap(\.reference)
    var failures = 0
    for reference in targets where (try? await client.delete(reference)) == nil { failures += 1 }
    print(
      "cleanup: deleted \(targets.count - failures) namespaces and cluster-scoped objects (namespaces finish in the background)"
    )
  }
}
