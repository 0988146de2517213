import ServestackCore
import YAML

/// Deterministic topological order of phases: `after:` edges first, then file name, then phase name.
enum PhaseOrder {
  /// `phases` in install order.
  ///
  /// #### Errors
  /// ``PhaseError`` `cycle` naming the phases of one cycle (`a → b → a`).
  static func sort(_ phases: [PhaseSpec]) throws(PhaseError) -> [PhaseSpec] {
    let index = Dictionary(uniqueKeysWithValues: phases.enumerated().map { ($1.name, $0) })
    // Edges that leave the given phases (a profile that drops a dependency) are ignored: `after:` orders,
    // it does not require.
    var dependencies = phases.map { Set($0.after.compactMap { index[$0] }) }
    var dependents = [[Int]](repeating: [], count: phases.count)
    for (i, deps) in dependencies.enumerated() { for d in deps { dependents[d].append(i) } }
    let key: (Int) -> (String, String) = { (phases[$0].fileName, phases[$0].name.rawValue) }
    var ready = Set(dependencies.indices.filter { dependencies[$0].isEmpty })
    var order: [PhaseSpec] = []
    while let next = ready.min(by: { key($0) < key($1) }) {
      ready.remove(next)
      order.append(phases[next])
      for dependent in dependents[next] {
        dependencies[dependent].remove(next)
        if dependencies[dependent].isEmpty { ready.insert(dependent) }
      }
    }
    if order.count < phases.count {
      let cycle = findCycle(
        phases, remaining: Set(dependencies.indices.filter { !dependencies[$0].isEmpty }), index: index)
      let names = cycle.map { phases[$0].name.rawValue }
      let first = phases[cycle[0]]
      throw first.error(
        .cycle, field: "after",
        "the phases' after: lists form a cycle: \(names.joined(separator: " → ")) → \(names[0]); remove one of these edges"
      )
    }
    return order
  }

  /// One cycle among `remaining`, in run order.
  private static func findCycle(_ phases: [PhaseSpec], remaining: Set<Int>, index: [PhaseName: Int]) -> [Int] {
    // Walk "must run after" edges from the smallest remaining phase until a phase repeats.
    guard let start = remaining.min(by: { phases[$0].fileName < phases[$1].fileName }) else { return [] }
    var path: [Int] = []
    var position: [Int: Int] = [:]
    var current = start
    while position[current] == nil {
      position[current] = path.count
      path.append(current)
      guard let next = phases[current].after.compactMap({ index[$0] }).filter(remaining.contains).min() else { break }
      current = next
    }
    let loop = Array(path[(position[current] ?? 0)...])
    // Edges point from a phase to what runs before it; reverse so the message reads in run order, and
    // start at the phase the walk started from when it is on the cycle.
    let runOrder = Array(loop.reversed())
    guard let first = runOrder.firstIndex(of: start) else { return runOrder }
    return Array(runOrder[first...] + runOrder[..<first])
  }
}

extension PhaseSpec {
  /// Where a top-level field path (`after[1]`, `name`) is written, by re-reading the built-in or on-disk file.
  static func mark(of field: String, in phase: PhaseSpec) -> YAMLMark? {
    guard let document = phase.locatedDocument else { return nil }
    var path: [String] = []
    for part in field.split(separator: ".") {
      if let bracket = part.firstIndex(of: "[") {
        path.append(String(part[..<bracket]))
        path.append(String(part[part.index(after: bracket)...].dropLast()))
      } else {
        path.append(String(part))
      }
    }
    return document.location(of: path) ?? document.location(of: [path[0]])
  }
}
