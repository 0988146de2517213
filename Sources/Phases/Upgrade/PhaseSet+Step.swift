public import Foundation

extension PhaseSet {
  /// The phase set for one upgrade step: the templates resolved for the step's versions, as for a named
  /// set (`--phases`/`--extra-phases` as for install).
  ///
  /// #### Errors
  /// ``PhaseError`` as ``resolve(phases:extra:stack:)``; `selection` when the folder has no catalog.
  public static func resolve(phases: URL? = nil, extra: [URL] = [], step: UpgradeStep) throws(PhaseError) -> PhaseSet {
    var specs: [PhaseSpec]
    if let phases { specs = try files(in: phases) } else { specs = try builtinFiles() }
    for folder in extra { specs += try files(in: folder) }
    let origin = ([phases?.path ?? "built-in"] + extra.map(\.path)).joined(separator: " + ")
    guard let catalog = try catalog(phases: phases) else {
      throw PhaseError(
        .selection,
        "upgrade: the phase set \(origin) has no version catalog (a \(CatalogLoader.folderName)/ folder beside its phase files)"
      )
    }
    let definition = step.definition(
      source: FileLocation(file: catalog.origin, line: 0, column: 0, field: "upgrade step \(step.index)"))
    var set = try PhaseSet(try resolve(specs, catalog: catalog, stack: definition), origin: origin)
    set.stack = step.selection
    return set
  }
}
