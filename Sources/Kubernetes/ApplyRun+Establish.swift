import ServestackCore

extension ApplyRun {
  /// Waits until the CRDs at `indices` that were applied are Established (skipping those whose apply
  /// answer already said so), then has discovery read their group versions again.
  func establish(_ indices: [Int], objects: [KubeObject]) async -> [WaitResult] {
    guard !options.dryRun, !indices.isEmpty else { return [] }
    let applied = results().filter { indices.contains($0.index) && $0.outcome.error == nil }
    var waits: [WaitTarget] = []
    for result in applied {
      guard let reference = result.reference else { continue }
      if result.object?.condition("Established")?.isTrue != true {
        waits.append(WaitTarget(reference, .established))
      }
    }
    let waited = await Waiter(client: client).waitAll(waits, timeout: options.establishTimeout)
    let failures = waited.filter { !$0.satisfied }
    let failedNames = Set(failures.map(\.reference.name))
    var groupVersions = Set<GroupVersion>()
    for result in applied where !failedNames.contains(result.reference?.name ?? "") {
      let crd = result.object ?? objects[result.index]
      guard let group = crd[path: "spec", "group"]?.stringValue,
        let kind = crd[path: "spec", "names", "kind"]?.stringValue
      else { continue }
      for version in crd[path: "spec", "versions"]?.arrayValue ?? [] {
        guard let name = version["name"]?.stringValue, version["served"]?.boolValue != false else { continue }
        let gvk = GroupVersionKind(group: group, version: name, kind: kind)
        if await client.mapper.cachedMapping(for: gvk) == nil { groupVersions.insert(gvk.groupVersion) }
      }
    }
    let mapper = client.mapper
    await forEachConcurrently(Array(groupVersions), limit: options.concurrency) { groupVersion in
      await mapper.refresh(groupVersion)
    }
    return failures
  }
}
