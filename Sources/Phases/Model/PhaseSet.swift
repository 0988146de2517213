import BuiltinContent
public import Foundation
import ServestackCore
import YAML

/// A validated set of phases: unique names, `after:` naming phases of the set or built-in ones, no cycles.
///
/// The set comes from the binary (``builtin()``), from a directory (`--phases DIR`, replacing the built-in
/// set), or from the built-in set plus a directory (`--extra-phases DIR`). A site adds its own phase between
/// ours with a numbered file and `after:`, e.g. `45-storage-class.yaml` with `after: [knative-serving]`:
/// it runs after Knative Serving and, because ties go by file name, before `50-kserve.yaml`.
public struct PhaseSet: Sendable {
  /// Every phase of the set, in install order for no particular profile (see ``ordered``).
  public let phases: [PhaseSpec]
  /// Where the set came from, for messages (`built-in`, a directory path).
  public let origin: String
  /// The stack set its template phases were resolved for (nil: a set without a version catalog).
  public internal(set) var stack: StackSelection?

  /// The phases embedded in this binary.
  ///
  /// #### Errors
  /// ``PhaseError`` if the embedded files do not validate (a build of a broken `phases/` folder).
  /// - Parameter stack: the stack set of the built-in catalog to resolve the phases for (nil: the newest).
  public static func builtin(stack: String? = nil) throws(PhaseError) -> PhaseSet {
    try resolved(try builtinFiles(), catalog: try CatalogLoader.builtin(), stack: stack, origin: "built-in")
  }

  static func builtinFiles() throws(PhaseError) -> [PhaseSpec] {
    var specs: [PhaseSpec] = []
    for file in BuiltinContent.files(in: "phases") where isPhaseFileName(file.name) {
      specs.append(try PhaseLoader.parse(file.text, file: "phases/\(file.name)", directory: nil))
    }
    return specs
  }

  /// Every `NN-name.yaml` file of `directory`.
  ///
  /// #### Errors
  /// ``PhaseError`` when the folder cannot be read, holds no phase file, holds a `.yaml` file not named
  /// `NN-name.yaml`, or a file or the set does not validate.
  public static func load(directory: URL, stack: String? = nil) throws(PhaseError) -> PhaseSet {
    try resolved(
      try files(in: directory), catalog: try CatalogLoader.load(phaseFolder: directory), stack: stack,
      origin: directory.path)
  }

  /// The phase files of a folder, each validated alone (the set is validated by the caller).
  static func files(in directory: URL) throws(PhaseError) -> [PhaseSpec] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    } catch {
      throw PhaseError(
        .io, "cannot read the phase folder: \(error.localizedDescription)", file: directory.path, cause: error)
    }
    var specs: [PhaseSpec] = []
    for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
      let url = directory.appendingPathComponent(name)
      guard isPhaseFileName(name) else {
        throw PhaseError(
          .io,
          "phase files are named NN-name.yaml (a number, a dash, a name), e.g. 45-storage-class.yaml; rename or move this file",
          file: url.path)
      }
      specs.append(try PhaseLoader.load(contentsOf: url))
    }
    guard !specs.isEmpty else {
      throw PhaseError(.io, "no phase files (NN-name.yaml) in this folder", file: directory.path)
    }
    return specs
  }

  /// The set a command line asks for: `phases` replaces the built-in set, `extra` folders add to it (their
  /// phases may name ours in `after:`); the result is validated as one set.
  ///
  /// - Parameter stack: the stack set of the catalog (`phases`' `versions/`, or the built-in one) to
  ///   resolve template phases for; nil: the catalog's newest.
  public static func resolve(phases: URL? = nil, extra: [URL] = [], stack: String? = nil) throws(PhaseError) -> PhaseSet
  {
    var specs: [PhaseSpec]
    if let phases { specs = try files(in: phases) } else { specs = try builtinFiles() }
    for folder in extra { specs += try files(in: folder) }
    let origin = ([phases?.path ?? "built-in"] + extra.map(\.path)).joined(separator: " + ")
    return try resolved(specs, catalog: try catalog(phases: phases), stack: stack, origin: origin)
  }

  /// Validates `phases` as one set.
  public init(_ phases: [PhaseSpec], origin: String) throws(PhaseError) {
    let sorted = phases.sorted { ($0.fileName, $0.name) < ($1.fileName, $1.name) }
    try PhaseSet.validate(sorted)
    self.phases = sorted
    self.origin = origin
  }

  /// This set with `other`'s phases added (`--extra-phases`).
  public func adding(_ other: PhaseSet) throws(PhaseError) -> PhaseSet {
    var set = try PhaseSet(phases + other.phases, origin: "\(origin) + \(other.origin)")
    set.stack = stack
    return set
  }

  public subscript(name: PhaseName) -> PhaseSpec? { phases.first { $0.name == name } }

  /// Whether `name` is a phase file name: digits, a dash, a name, `.yaml` or `.yml`.
  static func isPhaseFileName(_ name: String) -> Bool {
    guard name.hasSuffix(".yaml") || name.hasSuffix(".yml"), let dash = name.firstIndex(of: "-") else { return false }
    let number = name[..<dash]
    let stem = name[name.index(after: dash)...]
    return !number.isEmpty && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber) && stem.count > 5
  }

  /// The names of the phases embedded in this binary (empty if they do not parse: ``builtin()`` reports that).
  static let builtinNames: Set<PhaseName> = {
    var names = Set<PhaseName>()
    for file in BuiltinContent.files(in: "phases") where isPhaseFileName(file.name) {
      if let spec = try? PhaseLoader.parse(file.text, file: "phases/\(file.name)", directory: nil) {
        names.insert(spec.name)
      }
    }
    return names
  }()

  static func validate(_ phases: [PhaseSpec]) throws(PhaseError) {
    var seen: [PhaseName: PhaseSpec] = [:]
    for phase in phases {
      if let first = seen[phase.name] {
        throw phase.error(
          .duplicatePhase, field: "name",
          "duplicate phase name '\(phase.name)': \(first.file) already defines it; phase names must be unique in a set")
      }
      seen[phase.name] = phase
    }
    // A bundle, or a site's folder, may hold one profile's phases while `after:` names the phases of every
    // profile: a built-in phase's name is an edge that leaves the set (PhaseOrder ignores it). Any other
    // name is a typo.
    let known = Set(seen.keys).union(builtinNames)
    for phase in phases {
      for (index, dependency) in phase.after.enumerated() where !known.contains(dependency) {
        var message = "after: names '\(dependency)', which is neither a phase of this set nor a built-in phase"
        if let suggestion = SchemaNode.suggestion(for: dependency.rawValue, among: known.map(\.rawValue).sorted()) {
          message += " (did you mean '\(suggestion)'?)"
        }
        throw phase.error(.unknownPhase, field: "after[\(index)]", message)
      }
    }
    _ = try PhaseOrder.sort(phases)
  }
}

extension PhaseSpec {
  /// An error at a top-level field of this phase's file, with its line when the file can be re-read.
  func error(_ code: PhaseError.Code, field: String, _ message: String) -> PhaseError {
    let mark = PhaseSpec.mark(of: field, in: self)
    return PhaseError(code, message, file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, field: field)
  }
}
