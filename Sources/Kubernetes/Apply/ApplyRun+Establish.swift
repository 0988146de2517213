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
    var kinds = Set<GroupVersionKind>()
    for result in applied where !failedNames.contains(result.reference?.name ?? "") {
      let crd = result.object ?? objects[result.index]
      guard let group = crd[path: "spec", "group"]?.stringValue,
        let kind = crd[path: "spec", "names", "kind"]?.stringValue
      else { continue }
      for version in crd[path: "spec", "versions"]?.arrayValue ?? [] {
        guard let name = version["name"]?.stringValue, version["served"]?.boolValue != false else { continue }
        kinds.insert(GroupVersionKind(group: group, version: name, kind: kind))
      }
    }
    await discover(kinds)
    return failures
  }

  /// Reads discovery again until it serves `kinds`. The apiserver publishes an Established CRD's kinds
  /// from a separate controller, so they can be missing from the first read for a moment under load.
  private func discover(_ kinds: Set<GroupVersionKind>) async {
    let mapper = client.mapper
    let deadline = ContinuousClock.now + min(options.establishTimeout, .seconds(30))
    var missing: [GroupVersionKind] = []
    for kind in kinds where await mapper.cachedMapping(for: kind) == nil { missing.append(kind) }
    while !missing.isEmpty {
      await concurrentForEach(Array(Set(missing.map(\.groupVersion))), limit: options.concurrency) { groupVersion in
        await mapper.refresh(groupVersion)
      }
      var still: [GroupVersionKind] = []
      for kind in missing where await mapper.cachedMapping(for: kind) == nil { still.append(kind) }
      missing = still
      guard !missing.isEmpty, ContinuousClock.now < deadline else { return }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }
}
