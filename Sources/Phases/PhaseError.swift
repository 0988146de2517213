public import Foundation
public import ServestackCore

/// A phase file or phase set that cannot be used, or a manifest that could not be fetched or rendered.
///
/// Errors about a file name the file, the 1-based line and column and the field (`manifests[0].sha256`);
/// `line` and `column` are 0 when unknown.
public struct PhaseError: Error, LocalizedError, CategorizedError, CustomStringConvertible, Sendable {
  /// What kind of problem it was.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String, Hashable, Sendable {
      case yaml, unknownField, wrongType, missingField, invalidValue, unknownParameter, unknownPhase
      case duplicatePhase, cycle, selection, io, download, digestMismatch, invalidManifest, patchTargetMissing
      case patchFailed, lockHeld, cluster, state
      case waitTargetMissing
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The file is not valid YAML, or holds not exactly one document.
    public static let yaml = Code(.yaml)
    /// A key the schema does not know (often a typo).
    public static let unknownField = Code(.unknownField)
    /// A field holds the wrong type (a list where a mapping belongs, a number where a string belongs).
    public static let wrongType = Code(.wrongType)
    /// A required field is missing.
    public static let missingField = Code(.missingField)
    /// A field's value is malformed (a bad sha256, URL, duration, name, profile, wait kind).
    public static let invalidValue = Code(.invalidValue)
    /// A `${name}` placeholder names no known parameter, or a parameter override is unknown.
    public static let unknownParameter = Code(.unknownParameter)
    /// `after:` (or `--from`/`--only`) names a phase the set does not have.
    public static let unknownPhase = Code(.unknownPhase)
    /// Two phases share a name.
    public static let duplicatePhase = Code(.duplicatePhase)
    /// `after:` edges form a cycle.
    public static let cycle = Code(.cycle)
    /// A phase selection (`--from`, `--only`) does not fit the selected profile.
    public static let selection = Code(.selection)
    /// A file or folder could not be read or written.
    public static let io = Code(.io)
    /// A manifest could not be downloaded.
    public static let download = Code(.download)
    /// A manifest's SHA-256 differs from its pin.
    public static let digestMismatch = Code(.digestMismatch)
    /// A manifest is not valid YAML or holds something other than Kubernetes objects.
    public static let invalidManifest = Code(.invalidManifest)
    /// A patch's target matches no object of its phase.
    public static let patchTargetMissing = Code(.patchTargetMissing)
    /// A patch could not be applied (a `mergeJSON` key that is missing or not a JSON object).
    public static let patchFailed = Code(.patchFailed)
    /// Another install or uninstall holds the cluster's Lease (exit 3: the cluster refused us).
    public static let lockHeld = Code(.lockHeld)
    /// Talking to the cluster failed (the cause is a ``KubeError``; its category decides the exit code).
    public static let cluster = Code(.cluster)
    /// The install state ConfigMap holds something this version cannot read.
    public static let state = Code(.state)
    /// A wait or webhook probe names an object no phase creates and the cluster does not have.
    public static let waitTargetMissing = Code(.waitTargetMissing)

    public var description: String { kind.rawValue }
  }

  public let code: Code
  /// What went wrong and what to do, without the position.
  public let message: String
  /// The phase file (or manifest URL) the problem is in.
  public let file: String?
  public let line: Int
  public let column: Int
  /// The field's path in the file, `manifests[0].sha256`.
  public let field: String?
  public let cause: (any Error & Sendable)?

  public init(
    _ code: Code, _ message: String, file: String? = nil, line: Int = 0, column: Int = 0, field: String? = nil,
    cause: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.file = file
    self.line = line
    self.column = column
    self.field = field
    self.cause = cause
  }

  public var category: ErrorCategory {
    switch code {
    case .selection: .usage
    case .download: cause?.category ?? .unreachable
    case .lockHeld: .refused
    case .cluster: cause?.category ?? .unreachable
    case .state: .input
    default: .input
    }
  }

  /// `file:line:column: field 'x': message`, leaving out what is unknown.
  public var description: String {
    var prefix = file ?? ""
    if line > 0 {
      prefix += ":\(line)"
      if column > 0 { prefix += ":\(column)" }
    }
    var text = prefix.isEmpty ? "" : prefix + ": "
    if let field { text += "field '\(field)': " }
    return text + message
  }

  public var errorDescription: String? { description }
}
