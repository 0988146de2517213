import Foundation
import ServestackCore
import Synchronization

extension KubeClient {
  /// Server-side applies many objects: Namespaces and CRDs first, then (once those CRDs are Established
  /// and discovery knows them) everything else, `concurrency` requests at a time. It goes on past failures
  /// so that every error is reported at once.
  ///
  /// Each outcome is exact without doubling the requests: before applying, the prior state is read with
  /// one LIST per (resource, namespace) — none at all for namespaces this run created — or a GET per object
  /// when listing is forbidden or there is a single object. CRDs are listed by metadata only (they can be
  /// megabytes each) and only those that may be unchanged are read whole. An object whose prior state proves
  /// the apply a no-op (``AppliedDigest``) is reported unchanged without a PATCH, unless
  /// ``ApplyManyOptions/skipUnchanged`` is off. After an apply, a 201 or an absent prior means created, the
  /// same resourceVersion means unchanged (the apiserver does not write a no-op apply), another one
  /// configured. A dry run compares whole objects instead, since it moves no resourceVersion. When the prior
  /// state cannot be read at all, a 200 counts as configured.
  public func applyMany(_ objects: [KubeObject], options: ApplyManyOptions = ApplyManyOptions()) async
    -> ApplyManyResult
  {
    let started = ContinuousClock.now
    let requestsBefore = requestsSent
    let run = ApplyRun(client: self, options: options, count: objects.count)
    var first: [Int] = []
    var rest: [Int] = []
    for (index, object) in objects.enumerated() {
      let gvk = object.gvk
      if gvk == GroupVersionKind.namespace || gvk?.isCustomResourceDefinition == true {
        first.append(index)
      } else {
        rest.append(index)
      }
    }
    await run.apply(first, of: objects, createdNamespaces: [])
    let createdNamespaces = options.dryRun ? [] : await run.createdNamespaces(objects)
    let crds = first.filter { objects[$0].kind == "CustomResourceDefinition" }
    let establishFailures = await run.establish(crds, objects: objects)
    await run.apply(rest, of: objects, createdNamespaces: createdNamespaces, newCRDs: crds.map { objects[$0] })
    return ApplyManyResult(
      results: await run.results(), establishFailures: establishFailures, elapsed: .now - started,
      requests: requestsSent - requestsBefore)
  }

}

/// The state of one ``KubeClient/applyMany(_:options:)``.
actor ApplyRun {
  let client: KubeClient
  let options: ApplyManyOptions
  private var outcomes: [ObjectApplyResult?]

  /// The field manager this run applies as.
  nonisolated var manager: String { options.fieldManager ?? client.options.fieldManager }

  init(client: KubeClient, options: ApplyManyOptions, count: Int) {
    self.client = client
    self.options = options
    outcomes = Array(repeating: nil, count: count)
  }

  func results() -> [ObjectApplyResult] {
    outcomes.enumerated().map { index, result in
      result
        ?? ObjectApplyResult(index: index, outcome: .failed(KubeError(.other, "object #\(index + 1) was not applied")))
    }
  }

  private func record(_ result: ObjectApplyResult) {
    outcomes[result.index] = result
    options.progress?(result)
  }

  func createdNamespaces(_ objects: [KubeObject]) -> Set<String> {
    var names = Set<String>()
    for case let result? in outcomes {
      if case .created = result.outcome, result.reference?.gvk == GroupVersionKind.namespace,
        let name = result.reference?.name
      {
        names.insert(name)
      }
    }
    return names
  }

  /// An object located for applying, with the key of the list that holds its prior state.
  struct Planned: Sendable {
    var index: Int
    var location: KubeClient.Location
    var reference: ObjectReference
    /// What is sent: the object in its namespace, with its digest annotation when skipping is on.
    var body: KubeObject
    var groupKey: String { "\(location.mapping.resource)|\(location.namespace ?? "")" }
  }

  /// Applies the objects at `indices` with their outcomes.
  func apply(
    _ indices: [Int], of objects: [KubeObject], createdNamespaces: Set<String>, newCRDs: [KubeObject] = []
  ) async {
    let defaultNamespace = options.defaultNamespace ?? client.defaultNamespace
    var planned: [Planned] = []
    for index in indices {
      let object = objects[index]
      do throws(KubeError) {
        let gvk = try object.groupVersionKind()
        guard let name = object.name, !name.isEmpty else {
          throw KubeError(
            .badRequest, "\(object.displayName): metadata.name is missing; server-side apply needs a name")
        }
        let location = try await client.locate(gvk, namespace: object.namespace ?? defaultNamespace, name: name)
        var body = object
        body.namespace = location.namespace
        if options.skipUnchanged { body = AppliedDigest.annotated(body, manager: manager) }
        planned.append(
          Planned(
            index: index, location: location, reference: location.reference ?? ObjectReference(gvk, name: name),
            body: body))
      } catch {
        let reference = object.reference
        if options.dryRun, error.code == .unknownKind, let gvk = object.gvk, Self.defines(newCRDs, gvk) {
          // Its CRD is created by this same (dry) run, so the object cannot exist yet.
          record(ObjectApplyResult(index: index, reference: reference, outcome: .created))
        } else {
          record(ObjectApplyResult(index: index, reference: reference, outcome: .failed(error.about(reference))))
        }
      }
    }
    let priors = await priorState(planned, createdNamespaces: createdNamespaces)
    let client = self.client
    let options = self.options
    let manager = self.manager
    await concurrentForEach(planned, limit: options.concurrency) { item in
      if options.skipUnchanged, case .present(let live, _) = priors[item.index],
        AppliedDigest.isNoOp(applying: item.body, over: live, manager: manager)
      {
        await self.record(
          ObjectApplyResult(index: item.index, reference: item.reference, outcome: .unchanged, object: live))
        return
      }
      let outcome: ApplyOutcome
      var returned: KubeObject?
      do throws(KubeError) {
        let full = options.returnFullObjects || options.dryRun || item.reference.gvk.isCustomResourceDefinition
        let response = try await client.apply(
          item.body, at: item.location,
          options: ApplyOptions(
            force: options.force, dryRun: options.dryRun, fieldManager: options.fieldManager,
            metadataOnlyResponse: !full))
        returned = response.object
        outcome = Self.outcome(response, prior: priors[item.index], dryRun: options.dryRun, manager: manager)
      } catch {
        outcome = .failed(error.about(item.reference))
      }
      await self.record(
        ObjectApplyResult(index: item.index, reference: item.reference, outcome: outcome, object: returned))
    }
  }

  /// What was there before: `.absent`, an object (metadata only unless dry-running), or `.unknown`.
  enum Prior: Sendable {
    case absent
    /// The object, and the server's clock (`Date` header) when it was read, if known.
    case present(KubeObject, readAt: Date?)
    case unknown
  }

  private func priorState(_ planned: [Planned], createdNamespaces: Set<String>) async -> [Int: Prior] {
    var priors: [Int: Prior] = [:]
    var groups: [String: [Planned]] = [:]
    for item in planned {
      if let namespace = item.location.namespace, createdNamespaces.contains(namespace) {
        priors[item.index] = .absent
      } else {
        groups[item.groupKey, default: []].append(item)
      }
    }
    let client = self.client
    let options = self.options
    let manager = self.manager
    let found = Mutex<[Int: Prior]>([:])
    await concurrentForEach(Array(groups.values), limit: options.concurrency) { items in
      let isCRD = items.first?.reference.gvk.isCustomResourceDefinition == true
      let whole = options.dryRun || options.skipUnchanged && !isCRD
      var result = await Self.readPrior(items, client: client, metadataOnly: !whole)
      if options.skipUnchanged && !whole {
        await Self.readWhole(items, of: &result, client: client, manager: manager, concurrency: options.concurrency)
      }
      found.withLock { $0.merge(result) { $1 } }
    }
    return priors.merging(found.withLock { $0 }) { $1 }
  }

  /// Replaces the metadata-only priors that may prove a no-op by the whole objects.
  private static func readWhole(
    _ items: [Planned], of priors: inout [Int: Prior], client: KubeClient, manager: String, concurrency: Int
  ) async {
    let candidates = items.compactMap { item -> (Planned, Date?)? in
      guard case .present(let live, let readAt) = priors[item.index],
        let digest = AppliedDigest.digest(of: item.body, manager: manager),
        AppliedDigest.mayBeNoOp(live, digest: digest, manager: manager)
      else { return nil }
      return (item, readAt)
    }
    let read = Mutex<[Int: Prior]>([:])
    await concurrentForEach(candidates, limit: concurrency) { item, readAt in
      if let whole = try? await client.getIfExists(item.reference, metadataOnly: false) {
        read.withLock { $0[item.index] = .present(whole, readAt: readAt) }
      }
    }
    priors.merge(read.withLock { $0 }) { $1 }
  }

  private static func readPrior(_ items: [Planned], client: KubeClient, metadataOnly: Bool) async -> [Int: Prior] {
    var priors: [Int: Prior] = [:]
    if items.count > 1, let first = items.first {
      do {
        let list = try await client.list(
          first.location.mapping.gvk, namespace: first.location.namespace,
          options: ListOptions(metadataOnly: metadataOnly))
        var byName: [String: KubeObject] = [:]
        for object in list.items { if let name = object.name { byName[name] = object } }
        for item in items {
          priors[item.index] = byName[item.reference.name].map { Prior.present($0, readAt: list.serverDate) } ?? .absent
        }
        return priors
      } catch {
        // Not allowed to list (or the list failed): fall back to one GET per object.
      }
    }
    for item in items {
      do {
        priors[item.index] =
          try await client.getIfExists(item.reference, metadataOnly: metadataOnly).map {
            Prior.present($0, readAt: nil)
          } ?? .absent
      } catch {
        priors[item.index] = .unknown
      }
    }
    return priors
  }

  static func outcome(_ response: ApplyResponse, prior: Prior?, dryRun: Bool, manager: String) -> ApplyOutcome {
    if response.created { return .created }
    switch prior ?? .unknown {
    case .absent: return .created
    case .unknown: return .configured
    case .present(let before, let readAt):
      if dryRun {
        return normalized(before).semanticallyEquals(normalized(response.object)) ? .unchanged : .configured
      }
      if before.resourceVersion == response.object.resourceVersion { return .unchanged }
      // Someone else (a controller writing status) may have written between our read and our apply. Our
      // own Apply entry's time moves whenever our apply writes, so an entry older than the read (both in
      // whole seconds of the server's clock) means this apply did not write.
      if let readAt, let ours = applyTime(of: response.object, manager: manager), ours < readAt { return .unchanged }
      return .configured
    }
  }

  /// The `time` of `manager`'s Apply entry in managedFields.
  static func applyTime(of object: KubeObject, manager: String) -> Date? {
    let entries = object[path: "metadata", "managedFields"]?.arrayValue ?? []
    guard
      let entry = entries.first(where: {
        $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply"
      }),
      let time = entry["time"]?.stringValue
    else { return nil }
    return ExecCredentialPlugin.parseTimestamp(time)
  }

  /// The object without what a dry-run apply changes even when nothing else changes.
  private static func normalized(_ object: KubeObject) -> JSONValue {
    var json = object.json
    json.remove(at: ["metadata", "resourceVersion"])
    json.remove(at: ["metadata", "generation"])
    if let fields = json[path: ["metadata", "managedFields"]]?.arrayValue {
      json.set(
        .array(
          fields.map {
            var entry = $0
            entry["time"] = nil
            return entry
          }), at: ["metadata", "managedFields"])
    }
    return json
  }

  static func defines(_ crds: [KubeObject], _ gvk: GroupVersionKind) -> Bool {
    crds.contains { crd in
      crd[path: "spec", "group"]?.stringValue == gvk.group
        && crd[path: "spec", "names", "kind"]?.stringValue == gvk.kind
    }
  }
}
