import ServestackCore

/// Plans an upgrade as a pure function of the catalog, the installed versions and the target: Knative
/// Serving one minor at a time with the ingress release of each minor in the same step, every other
/// component along its `upgradeFrom` path, a rollback only back to the versions installed before.
public struct UpgradePlanner: Sendable {
  /// The components that move with Knative Serving, each to its release of the same minor.
  public static let knative = "knative-serving"
  public static let ingresses = ["net-istio", "kourier"]

  public let catalog: VersionCatalog

  public init(catalog: VersionCatalog) { self.catalog = catalog }

  /// The steps from `installed` to `target`.
  ///
  /// - Parameters:
  ///   - rollbackTo: versions a downgrade may go back to (those installed before the last upgrade); a
  ///     target equal to them is one rollback step.
  ///   - direct: apply the target in one step (refused when its `upgradeFrom` does not admit what is installed).
  ///   - kubernetes: the cluster's version, for the `kubernetes-version` check (nil: not checked).
  ///   - ignored: check names (or `all`) whose failures are warnings.
  ///
  /// #### Errors
  /// ``PhaseError`` `selection`: an unknown set, component or version, a downgrade that is not a
  /// rollback, no path in the catalog, or a skip asked with `direct`, each with the reason.
  public func plan(
    installed: StackSelection, target: UpgradeTarget, rollbackTo: StackSelection? = nil, direct: Bool = false,
    kubernetes: KubernetesVersion? = nil, ignored: Set<String> = []
  ) throws(PhaseError) -> UpgradePlan {
    let wanted = try targetVersions(installed: installed, target: target)
    var steps: [UpgradeStep] = []
    var current = installed.components
    let changed = wanted.filter { component, version in
      guard let now = Self.value(current, component) else { return true }
      return !same(component, now, version)
    }
    if changed.isEmpty { return UpgradePlan(target: target, installed: installed, steps: [], findings: []) }

    if let rollbackTo,
      wanted.allSatisfy({ c, v in Self.value(rollbackTo.components, c).map { same(c, $0, v) } ?? false }),
      changed.contains(where: { c, v in isDowngrade(c, from: Self.value(current, c), to: v) })
    {
      // Back to what was installed before: one step re-applying the previous versions.
      let next = Self.merge(current, wanted)
      steps.append(step(steps.count + 1, from: current, to: next, installed: installed, rollback: true))
      return finish(target: target, installed: installed, steps: steps, kubernetes: kubernetes, ignored: ignored)
    }

    var moved: Set<String> = []
    for (component, version) in changed where !moved.contains(component) {
      guard let entry = catalog.components[component] else { throw unknownComponent(component) }
      guard let to = entry.version(version) else { throw unknownVersion(component, version, entry) }
      guard let fromText = Self.value(current, component), let from = entry.version(fromText) else {
        throw PhaseError(
          .selection,
          "\(component) is not installed (or its version \(Self.value(current, component) ?? "?") is not in the catalog), so it cannot be upgraded; install it with servestack install --stack SET"
        )
      }
      if to.semanticVersion < from.semanticVersion {
        throw PhaseError(
          .selection,
          "\(component) \(to.version) is older than the installed \(from.version): a downgrade is a rollback, allowed only back to the versions installed before the last upgrade\(rollbackTo.map { " (\($0.name))" } ?? " (none recorded)")"
        )
      }
      let path: [CatalogVersion]
      if direct {
        guard to.upgrades(from: from.semanticVersion) else {
          throw PhaseError(.selection, skipReason(component, from: from, to: to, entry: entry))
        }
        path = [to]
      } else {
        guard let found = UpgradePaths.path(entry, from: from.semanticVersion, to: to.semanticVersion) else {
          throw PhaseError(
            .selection,
            "no upgrade path for \(component) from \(from.version) to \(to.version) in the \(catalog.origin) catalog: \(to.version) upgrades from \(to.upgradeFrom.map(\.text).joined(separator: ", ")), and no catalog version in between leads there (servestack versions lists the paths)"
          )
        }
        path = found
      }
      for hop in path {
        var next = current
        Self.set(&next, component, hop.version)
        if component == Self.knative {
          for ingress in Self.ingresses where Self.value(current, ingress) != nil {
            let version = try ingressVersion(
              ingress, for: hop, final: hop.semanticVersion == to.semanticVersion ? wanted : [])
            Self.set(&next, ingress, version)
            moved.insert(ingress)
          }
        }
        steps.append(step(steps.count + 1, from: current, to: next, installed: installed, rollback: false))
        current = next
      }
      moved.insert(component)
    }
    return finish(target: target, installed: installed, steps: steps, kubernetes: kubernetes, ignored: ignored)
  }

  /// The versions the target asks for, by component.
  func targetVersions(installed: StackSelection, target: UpgradeTarget) throws(PhaseError) -> [(
    component: String, version: String
  )] {
    switch target {
    case .stack(let name):
      let stack = try catalog.requireStack(name)
      return stack.components
    case .component(let name, let version):
      guard let entry = catalog.components[name] else { throw unknownComponent(name) }
      guard let found = entry.version(version) else { throw unknownVersion(name, version, entry) }
      return [(name, found.version)]
    }
  }

  /// The release of `ingress` that goes with Knative `serving`: the target set's own when this is the
  /// last hop, else the newest of the same minor.
  func ingressVersion(
    _ ingress: String, for serving: CatalogVersion, final wanted: [(component: String, version: String)]
  ) throws(PhaseError) -> String {
    if let pinned = Self.value(wanted, ingress) { return pinned }
    let candidates =
      catalog.components[ingress]?.versions.filter {
        $0.semanticVersion.major == serving.semanticVersion.major
          && $0.semanticVersion.minor == serving.semanticVersion.minor
      } ?? []
    guard let newest = candidates.last else {
      throw PhaseError(
        .selection,
        "knative-serving \(serving.version) needs the \(ingress) release of minor \(serving.semanticVersion.major).\(serving.semanticVersion.minor), and the \(catalog.origin) catalog has none; add it to versions/\(ingress).yaml"
      )
    }
    return newest.version
  }

  func skipReason(_ component: String, from: CatalogVersion, to: CatalogVersion, entry: CatalogComponent) -> String {
    var reason =
      "\(component) \(to.version) cannot be applied over the installed \(from.version) in one step: it upgrades only from \(to.upgradeFrom.map(\.text).joined(separator: ", ")) (\(to.source))"
    if component == Self.knative {
      reason += "; Knative Serving is upgraded one minor version at a time"
    }
    if let path = UpgradePaths.path(entry, from: from.semanticVersion, to: to.semanticVersion) {
      reason +=
        "; the path is \(([from] + path).map(\.version).joined(separator: " → ")) (drop --direct to go through it)"
    }
    return reason
  }

  func step(
    _ index: Int, from: [(component: String, version: String)], to: [(component: String, version: String)],
    installed: StackSelection, rollback: Bool
  ) -> UpgradeStep {
    let changes = to.compactMap { component, version -> UpgradeStep.Change? in
      let before = Self.value(from, component) ?? "none"
      return before == version ? nil : UpgradeStep.Change(component: component, from: before, to: version)
    }
    return UpgradeStep(
      index: index, changes: changes, versions: to, name: name(for: to, base: installed), rollback: rollback)
  }

  /// A catalog set's name when `versions` are one, else the starting set with what changed.
  func name(for versions: [(component: String, version: String)], base: StackSelection) -> String {
    if let stack = catalog.stacks.last(where: { stack in
      stack.components.count == versions.count
        && stack.components.allSatisfy { c, v in Self.value(versions, c).map { same(c, $0, v) } ?? false }
    }) {
      return stack.name
    }
    let root = base.name.split(separator: "+").first.map(String.init) ?? base.name
    let root0 = catalog.stack(named: root)?.components ?? base.components
    let changes = versions.filter { c, v in !(Self.value(root0, c).map { same(c, $0, v) } ?? false) }
    return ([root] + changes.map { "\($0.component)@\($0.version)" }).joined(separator: "+")
  }

  /// Adds the `off-matrix` and `kubernetes-version` findings of every step.
  func finish(
    target: UpgradeTarget, installed: StackSelection, steps: [UpgradeStep], kubernetes: KubernetesVersion?,
    ignored: Set<String>
  ) -> UpgradePlan {
    var findings: [UpgradeFinding] = []
    let ignoreAll = ignored.contains("all")
    for step in steps {
      let isSet = catalog.stack(named: step.name) != nil
      let moved = Set(step.changes.map(\.component))
      for change in step.changes {
        guard let version = catalog.version(change.component, change.to) else { continue }
        if let kubernetes, kubernetes < version.kubernetes.minimum {
          findings.append(
            UpgradeFinding(
              check: UpgradeFinding.kubernetesVersion, step: step.index,
              message:
                "\(change.component) \(version.version) needs Kubernetes \(version.kubernetes.minimum) or newer (\(version.source)); the cluster runs \(kubernetes)",
              ignored: ignoreAll || ignored.contains(UpgradeFinding.kubernetesVersion)))
        }
        // A named set is shipped as a whole on purpose (servestack versions reports its untested pairs).
        guard !isSet else { continue }
        for (other, otherText) in step.versions where other != change.component {
          if moved.contains(other) && other < change.component { continue }  // each pair once
          guard let otherVersion = catalog.version(other, otherText) else { continue }
          let forward = version.tested(with: other, version: otherVersion.semanticVersion)
          let backward = otherVersion.tested(with: change.component, version: version.semanticVersion)
          guard forward == false || backward == false, forward != true, backward != true else { continue }
          let listed =
            forward == false
            ? "\(change.component) \(version.version) was tested with \(other) \(version.testedWith[other]?.joined(separator: ", ") ?? "")"
            : "\(other) \(otherVersion.version) was tested with \(change.component) \(otherVersion.testedWith[change.component]?.joined(separator: ", ") ?? "")"
          findings.append(
            UpgradeFinding(
              check: UpgradeFinding.offMatrix, step: step.index,
              message:
                "step \(step.index) puts \(change.component) \(version.version) beside \(other) \(otherVersion.version), a combination upstream did not test (\(listed)); --ignore-preflight-errors=\(UpgradeFinding.offMatrix) goes on anyway",
              ignored: ignoreAll || ignored.contains(UpgradeFinding.offMatrix)))
        }
      }
    }
    return UpgradePlan(target: target, installed: installed, steps: steps, findings: findings)
  }

  func same(_ component: String, _ a: String, _ b: String) -> Bool {
    if a == b { return true }
    guard let x = try? SemanticVersion(a), let y = try? SemanticVersion(b) else { return false }
    return x == y
  }

  func isDowngrade(_ component: String, from: String?, to: String) -> Bool {
    guard let from, let x = try? SemanticVersion(from), let y = try? SemanticVersion(to) else { return false }
    return y < x
  }

  func unknownComponent(_ name: String) -> PhaseError {
    PhaseError(
      .selection,
      "--component \(name): no such component in the \(catalog.origin) catalog; the components are \(catalog.components.keys.sorted().joined(separator: ", "))"
    )
  }

  func unknownVersion(_ name: String, _ version: String, _ entry: CatalogComponent) -> PhaseError {
    PhaseError(
      .selection,
      "--to \(version): \(name) has no such version in the \(catalog.origin) catalog; its versions are \(entry.versions.map(\.version).joined(separator: ", ")) (servestack versions lists them)"
    )
  }

  static func value(_ list: [(component: String, version: String)], _ component: String) -> String? {
    list.first { $0.component == component }?.version
  }

  static func set(_ list: inout [(component: String, version: String)], _ component: String, _ version: String) {
    if let i = list.firstIndex(where: { $0.component == component }) {
      list[i].version = version
    } else {
      list.append((component, version))
    }
  }

  static func merge(_ base: [(component: String, version: String)], _ changes: [(component: String, version: String)])
    -> [(component: String, version: String)]
  {
    var result = base
    for (c, v) in changes { set(&result, c, v) }
    return result
  }
}
