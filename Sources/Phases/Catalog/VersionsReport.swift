public import Foundation
public import ServestackCore

/// What `servestack versions` shows: the stack sets (with their Kubernetes floor per profile and any
/// component pair not tested together), every component version, and the upgrade paths.
public struct VersionsReport: Sendable {
  public struct Stack: Sendable {
    public let definition: StackDefinition
    public let isDefault: Bool
    /// Per profile: the highest minimum and recommendation of the set's components for it.
    public let kubernetes: [(profile: Profile, minimum: KubernetesVersion?, recommended: KubernetesVersion?)]
    /// Pairs of the set that upstream tested with other versions of each other.
    public let untested: [String]
  }

  public let catalog: VersionCatalog
  public let stacks: [Stack]
  /// Each pair of sets, older to newer.
  public let stackPaths: [(from: String, to: String, steps: [UpgradePaths.Step])]
  /// Each component from its oldest to its newest catalog version.
  public let componentPaths: [UpgradePaths.Step]

  /// The report for the catalog of `phases` (nil: the built-in one).
  ///
  /// #### Errors
  /// ``PhaseError`` when the phases or catalog do not load; `selection` when there is no catalog.
  public static func build(phases: URL? = nil, extra: [URL] = []) throws(PhaseError) -> VersionsReport {
    guard let catalog = try PhaseSet.catalog(phases: phases) else {
      throw PhaseError(
        .selection, "the phase folder \(phases?.path ?? "") has no version catalog (\(CatalogLoader.folderName)/)")
    }
    var stacks: [Stack] = []
    for definition in catalog.stacks {
      let matrix = VersionMatrix(try PhaseSet.resolve(phases: phases, extra: extra, stack: definition.name))
      let kubernetes = Profile.allCases.map { profile in
        let (minimum, recommended) = matrix.kubernetes(for: profile)
        return (profile, minimum, recommended)
      }
      stacks.append(
        Stack(
          definition: definition, isDefault: definition.name == catalog.defaultStack?.name, kubernetes: kubernetes,
          untested: untestedPairs(definition, catalog: catalog)))
    }
    var stackPaths: [(String, String, [UpgradePaths.Step])] = []
    for (index, older) in catalog.stacks.enumerated() {
      for newer in catalog.stacks[(index + 1)...] {
        stackPaths.append((older.name, newer.name, UpgradePaths.steps(catalog, from: older, to: newer)))
      }
    }
    let componentPaths = catalog.components.keys.sorted().compactMap { name -> UpgradePaths.Step? in
      guard let component = catalog.components[name], let first = component.versions.first,
        let last = component.versions.last,
        first.semanticVersion != last.semanticVersion
      else { return nil }
      let chain = UpgradePaths.path(component, from: first.semanticVersion, to: last.semanticVersion)
      return UpgradePaths.Step(
        component: name, from: first.version, to: last.version, path: chain.map { $0.map(\.version) },
        blocked: chain == nil
          ? "no path in the catalog (\(last.version) upgrades from \(last.upgradeFrom.map(\.text).joined(separator: ", ")))"
          : nil)
    }
    return VersionsReport(catalog: catalog, stacks: stacks, stackPaths: stackPaths, componentPaths: componentPaths)
  }

  /// `kserve v0.15.2 was tested with istio 1.23.2, not 1.27.1`: pairs neither of which lists the other's
  /// version, though one lists other versions of it.
  static func untestedPairs(_ stack: StackDefinition, catalog: VersionCatalog) -> [String] {
    var notes: [String] = []
    let chosen = stack.components.compactMap { pair in
      catalog.version(pair.component, pair.version).map { (pair.component, $0) }
    }
    for (i, (a, va)) in chosen.enumerated() {
      for (b, vb) in chosen[(i + 1)...] {
        let ab = va.tested(with: b, version: vb.semanticVersion)
        let ba = vb.tested(with: a, version: va.semanticVersion)
        guard ab != true, ba != true else { continue }
        if ab == false {
          notes.append(
            "\(a) \(va.version) was tested with \(b) \(va.testedWith[b]?.joined(separator: ", ") ?? ""), not \(vb.version)"
          )
        } else if ba == false {
          notes.append(
            "\(b) \(vb.version) was tested with \(a) \(vb.testedWith[a]?.joined(separator: ", ") ?? ""), not \(va.version)"
          )
        }
      }
    }
    return notes
  }

  public var json: JSONValue {
    func kube(_ support: KubernetesSupport) -> JSONValue {
      ["min": .string(support.minimum.description), "recommended": .string(support.recommended.description)]
    }
    func step(_ step: UpgradePaths.Step) -> JSONValue {
      var object: JSONObject = [
        "component": .string(step.component), "from": .string(step.from), "to": .string(step.to),
      ]
      if let path = step.path { object["path"] = .array(path.map { .string($0) }) }
      if let blocked = step.blocked { object["blocked"] = .string(blocked) }
      return .object(object)
    }
    let stackValues: [JSONValue] = stacks.map { stack in
      var object: JSONObject = [
        "name": .string(stack.definition.name), "default": .bool(stack.isDefault),
        "components": .object(
          JSONObject(uniqueKeysWithValues: stack.definition.components.map { ($0.component, .string($0.version)) })),
        "kubernetes": .object(
          JSONObject(
            uniqueKeysWithValues: stack.kubernetes.map { entry in
              var range: JSONObject = [:]
              if let minimum = entry.minimum { range["min"] = .string(minimum.description) }
              if let recommended = entry.recommended { range["recommended"] = .string(recommended.description) }
              return (entry.profile.rawValue, JSONValue.object(range))
            })),
        "untested": .array(stack.untested.map { .string($0) }),
      ]
      if let description = stack.definition.description { object["description"] = .string(description) }
      return .object(object)
    }
    let componentValues: [JSONValue] = catalog.components.keys.sorted().compactMap { name in
      guard let component = catalog.components[name] else { return nil }
      return [
        "name": .string(name),
        "versions": .array(
          component.versions.map { version in
            [
              "version": .string(version.version), "kubernetes": kube(version.kubernetes),
              "upgradeFrom": .array(version.upgradeFrom.map { .string($0.text) }),
              "testedWith": .object(
                JSONObject(
                  uniqueKeysWithValues: version.testedWith.sorted { $0.key < $1.key }.map {
                    ($0.key, .array($0.value.map { .string($0) }))
                  })),
              "stacks": .array(stacks(using: name, version).map { .string($0) }),
              "manifests": .array(version.manifests.map { .string($0.source.reference) }),
            ]
          }),
      ]
    }
    return [
      "catalog": .string(catalog.origin),
      "default": catalog.defaultStack.map { .string($0.name) } ?? .null,
      "stacks": .array(stackValues),
      "components": .array(componentValues),
      "upgradePaths": [
        "stacks": .array(
          stackPaths.map { path in
            ["from": .string(path.from), "to": .string(path.to), "steps": .array(path.steps.map(step))]
          }),
        "components": .array(componentPaths.map(step)),
      ],
    ]
  }

  /// The sets that install `component` at `version`.
  public func stacks(using component: String, _ version: CatalogVersion) -> [String] {
    catalog.stacks.filter { stack in
      stack.version(of: component).flatMap { try? SemanticVersion($0) } == version.semanticVersion
    }.map(\.name)
  }
}
