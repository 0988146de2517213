import Phases
import ServestackCore

/// `servestack versions` as text: the sets, the component versions, the upgrade paths.
enum VersionsTable {
  static func text(_ report: VersionsReport) -> String {
    var lines: [String] = []
    let names = componentNames(report)
    var sets = [["STACK SET", "KUBERNETES MIN", "RECOMMENDED"] + names.map { $0.uppercased() }]
    for stack in report.stacks {
      let serverless = stack.kubernetes.first { $0.profile == .serverless }
      sets.append(
        [
          stack.definition.name + (stack.isDefault ? " (default)" : ""), serverless?.minimum?.description ?? "-",
          serverless?.recommended?.description ?? "-",
        ] + names.map { stack.definition.version(of: $0) ?? "-" })
    }
    lines += Servestack.Versions.format(sets)
    lines.append("(Kubernetes range for profile serverless; -o json gives every profile.)")
    for stack in report.stacks where !stack.untested.isEmpty {
      for note in stack.untested { lines.append("note: \(stack.definition.name): \(note)") }
    }
    lines.append("")
    var versions = [["COMPONENT", "VERSION", "KUBERNETES MIN", "RECOMMENDED", "UPGRADES FROM", "IN SETS"]]
    for name in names {
      guard let component = report.catalog.components[name] else { continue }
      for version in component.versions {
        let sets = report.stacks(using: name, version)
        versions.append([
          name, version.version, version.kubernetes.minimum.description, version.kubernetes.recommended.description,
          version.upgradeFrom.map(\.text).joined(separator: ", ").nonEmpty ?? "-",
          sets.joined(separator: ",").nonEmpty ?? "-",
        ])
      }
    }
    lines += Servestack.Versions.format(versions)
    lines.append("")
    lines.append("UPGRADE PATHS")
    for path in report.stackPaths {
      let steps = path.steps.map(describe)
      lines.append("\(path.from) -> \(path.to): " + (steps.isEmpty ? "nothing changes" : steps.joined(separator: "; ")))
    }
    for step in report.componentPaths { lines.append(describe(step)) }
    lines.append("")
    lines.append("catalog: \(report.catalog.origin)")
    return lines.joined(separator: "\n")
  }

  /// `knative-serving v1.15.2 -> v1.16.3 -> v1.17.0`, or why there is no path.
  static func describe(_ step: UpgradePaths.Step) -> String {
    guard let path = step.path else {
      return "\(step.component) \(step.from) -> \(step.to): \(step.blocked ?? "no path")"
    }
    return "\(step.component) " + ([step.from] + path).joined(separator: " -> ")
  }

  /// The catalog's components in the default set's order, then the rest by name.
  static func componentNames(_ report: VersionsReport) -> [String] {
    var names = report.catalog.defaultStack?.components.map(\.component) ?? []
    names += report.catalog.components.keys.sorted().filter { !names.contains($0) }
    return names
  }
}

extension String {
  fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
