import Foundation
import HTTP
import ServestackCore

/// Maps kinds to resources with the cluster's discovery documents: `apps/v1 Deployment` →
/// `deployments`, namespaced, with its verbs.
///
/// Discovery is read lazily and cached per client: a lookup reads only its group version (`/api/v1`,
/// `/apis/<group>/<version>`), once, so a set of objects of ten group versions costs ten parallel requests
/// instead of the whole discovery tree; ``allMappings()`` reads everything (`/api`, `/apis`, then every
/// group version in parallel: 1.20 has no aggregated discovery). A kind that is not known causes one more
/// read of its group version (a CRD may just have been established); an unavailable aggregated API does
/// not fail the others.
public actor RESTMapper {
  /// What discovery says about one kind.
  public struct Mapping: Sendable, Hashable {
    public var gvk: GroupVersionKind
    public var resource: GroupVersionResource
    public var namespaced: Bool
    public var verbs: Set<String>
    /// `status`, `scale`, … .
    public var subresources: Set<String>
    public var shortNames: [String]
  }

  private struct GroupVersionState {
    var kinds: [String: Mapping] = [:]
    var fetched: ContinuousClock.Instant
    /// Why the group version could not be read (an aggregated API that is down).
    var failure: KubeError?
  }

  private let transport: APITransport
  private var groupVersions: [GroupVersion: GroupVersionState] = [:]
  /// Group name → versions the server lists, preferred first.
  private var groups: [String: [String]] = [:]
  private var loaded = false
  private var groupsLoaded = false
  private var loading: Task<Result<Void, KubeError>, Never>?
  private var refreshing: [GroupVersion: Task<Void, Never>] = [:]

  init(transport: APITransport) { self.transport = transport }

  /// The mapping for `gvk`, refreshing its group version once when it is unknown.
  ///
  /// #### Errors
  /// ``KubeError/Code/unknownKind`` when the cluster does not serve the kind (naming what it serves in that
  /// group), or the discovery request's error.
  public func mapping(for gvk: GroupVersionKind) async throws(KubeError) -> Mapping {
    if let found = groupVersions[gvk.groupVersion]?.kinds[gvk.kind] { return found }
    await refresh(gvk.groupVersion, minimumAge: .milliseconds(500))
    if let found = groupVersions[gvk.groupVersion]?.kinds[gvk.kind] { return found }
    if let failure = groupVersions[gvk.groupVersion]?.failure, failure.code != .notFound {
      var error = failure
      error.message = "\(gvk.groupKind): the API \(gvk.groupVersion) could not be discovered: \(failure.message)"
      throw error
    }
    // Only for the message: which versions of the group the server does serve.
    try? await ensureLoaded(groupsOnly: true)
    throw unknown(gvk)
  }

  /// The mapping if discovery already knows it; no requests.
  public func cachedMapping(for gvk: GroupVersionKind) -> Mapping? {
    groupVersions[gvk.groupVersion]?.kinds[gvk.kind]
  }

  /// Forgets everything; the next lookup loads discovery again.
  public func reset() {
    groupVersions = [:]
    groups = [:]
    loaded = false
    groupsLoaded = false
  }

  /// Reads one group version again (after its CRD was established).
  public func refresh(_ groupVersion: GroupVersion) async {
    await refresh(groupVersion, minimumAge: .zero)
  }

  /// Every kind the cluster serves, in all versions.
  public func allMappings() async throws(KubeError) -> [Mapping] {
    try await ensureLoaded()
    return groupVersions.values.flatMap { $0.kinds.values }.sorted { $0.gvk.description < $1.gvk.description }
  }

  /// Group versions whose discovery failed, with why (aggregated APIs whose backend is down).
  public func unavailableGroupVersions() async throws(KubeError) -> [GroupVersion: KubeError] {
    try await ensureLoaded()
    return groupVersions.compactMapValues(\.failure)
  }

  /// Whether the server serves `groupVersion` at all.
  public func serves(_ groupVersion: GroupVersion) async throws(KubeError) -> Bool {
    try await ensureLoaded(groupsOnly: true)
    return groups[groupVersion.group]?.contains(groupVersion.version) == true
  }

  private func ensureLoaded(groupsOnly: Bool = false) async throws(KubeError) {
    // Loop: a groups-only load in flight does not satisfy a caller that needs everything.
    while !(loaded || groupsOnly && groupsLoaded) {
      if let loading {
        try await loading.value.get()
        continue
      }
      let task = Task {
        let result = await self.loadAll(groupsOnly: groupsOnly)
        self.finishLoading()
        return result
      }
      loading = task
      try await task.value.get()
    }
  }

  private func loadAll(groupsOnly: Bool) async -> Result<Void, KubeError> {
    let transport = self.transport
    do throws(KubeError) {
      async let core = Self.fetchResult("/api", transport)
      async let named = Self.fetchResult("/apis", transport)
      let coreList = try await core.get()
      let groupList = try await named.get()
      var found: [String: [String]] = [:]
      found[""] = (coreList["versions"]?.arrayValue ?? []).compactMap(\.stringValue)
      for group in groupList["groups"]?.arrayValue ?? [] {
        guard let name = group["name"]?.stringValue else { continue }
        let preferred = group[path: ["preferredVersion", "version"]]?.stringValue
        var versions = (group["versions"]?.arrayValue ?? []).compactMap { $0["version"]?.stringValue }
        if let preferred, let index = versions.firstIndex(of: preferred) {
          versions.remove(at: index)
          versions.insert(preferred, at: 0)
        }
        found[name] = versions
      }
      if groupsOnly {
        groups = found
        groupsLoaded = true
        return .success(())
      }
      let all = found.flatMap { group, versions in versions.map { GroupVersion(group: group, version: $0) } }
      let states = await withTaskGroup(of: (GroupVersion, GroupVersionState).self) { tasks in
        for groupVersion in all {
          tasks.addTask { (groupVersion, await Self.load(groupVersion, transport)) }
        }
        var states: [GroupVersion: GroupVersionState] = [:]
        for await (groupVersion, state) in tasks { states[groupVersion] = state }
        return states
      }
      groups = found
      groupVersions.merge(states) { _, new in new }
      groupsLoaded = true
      loaded = true
      return .success(())
    } catch {
      return .failure(error)
    }
  }

  private func refresh(_ groupVersion: GroupVersion, minimumAge: Duration) async {
    if let state = groupVersions[groupVersion], ContinuousClock.now - state.fetched < minimumAge { return }
    if let running = refreshing[groupVersion] { return await running.value }
    let transport = self.transport
    let task = Task {
      await self.store(groupVersion, Self.load(groupVersion, transport))
      self.finishRefresh(groupVersion)
    }
    refreshing[groupVersion] = task
    await task.value
  }

  private func finishLoading() { loading = nil }
  private func finishRefresh(_ groupVersion: GroupVersion) { refreshing[groupVersion] = nil }

  private func store(_ groupVersion: GroupVersion, _ state: GroupVersionState) {
    if state.failure?.code == .notFound {
      groupVersions[groupVersion] = state
      return
    }
    groupVersions[groupVersion] = state
    var versions = groups[groupVersion.group] ?? []
    if !versions.contains(groupVersion.version) { versions.append(groupVersion.version) }
    groups[groupVersion.group] = versions
  }

  private static func load(_ groupVersion: GroupVersion, _ transport: APITransport) async -> GroupVersionState {
    do {
      let list = try await fetch(groupVersion.path, transport)
      var kinds: [String: Mapping] = [:]
      var subresources: [String: Set<String>] = [:]
      let resources = list["resources"]?.arrayValue ?? []
      for resource in resources {
        guard let name = resource["name"]?.stringValue else { continue }
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 { subresources[parts[0], default: []].insert(parts[1]) }
      }
      for resource in resources {
        guard let name = resource["name"]?.stringValue, !name.contains("/"),
          let kind = resource["kind"]?.stringValue
        else { continue }
        let gvk = GroupVersionKind(group: groupVersion.group, version: groupVersion.version, kind: kind)
        // Several resources can share a kind (none in practice for top-level ones); the first wins.
        if kinds[kind] != nil { continue }
        kinds[kind] = Mapping(
          gvk: gvk,
          resource: GroupVersionResource(group: groupVersion.group, version: groupVersion.version, resource: name),
          namespaced: resource["namespaced"]?.boolValue ?? false,
          verbs: Set((resource["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)),
          subresources: subresources[name] ?? [],
          shortNames: (resource["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue))
      }
      return GroupVersionState(kinds: kinds, fetched: .now)
    } catch {
      return GroupVersionState(fetched: .now, failure: error)
    }
  }

  private static func fetchResult(_ path: String, _ transport: APITransport) async -> Result<JSONValue, KubeError> {
    do {
      return .success(try await fetch(path, transport))
    } catch {
      return .failure(error)
    }
  }

  private static func fetch(_ path: String, _ transport: APITransport) async throws(KubeError) -> JSONValue {
    let response = try await transport.send(APIRequest(.get, path, repeats: .read, what: "discovery \(path)"))
    do {
      return try JSONValue(parsing: response.body)
    } catch {
      throw KubeError(.badResponse, "discovery \(path): the server's answer is not JSON: \(error)")
    }
  }

  private func unknown(_ gvk: GroupVersionKind) -> KubeError {
    let state = groupVersions[gvk.groupVersion]
    let served = groups[gvk.group] ?? []
    let message: String
    if state != nil && state?.failure == nil {
      let kinds = (state?.kinds.keys.sorted() ?? []).prefix(12).joined(separator: ", ")
      message = "the cluster serves \(gvk.groupVersion) but has no kind \(gvk.kind) in it (kinds: \(kinds))"
    } else if served.isEmpty {
      message =
        "the cluster does not serve the API group '\(gvk.group.isEmpty ? "core" : gvk.group)' "
        + "(is its CRD installed and established?)"
    } else {
      message =
        "the cluster does not serve \(gvk.groupVersion); the group \(gvk.group.isEmpty ? "core" : gvk.group) "
        + "is served in \(served.joined(separator: ", "))"
    }
    return KubeError(.unknownKind, "no kind \(gvk.kind) in \(gvk.apiVersion): \(message)")
  }
}
