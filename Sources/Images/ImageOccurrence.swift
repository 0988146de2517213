public import Registry
import ServestackCore

/// The Kubernetes object an image was found in.
public struct ObjectRef: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var kind: String
  public var namespace: String?
  public var name: String?
  /// The file it came from, when known.
  public var file: String?

  public init(kind: String, namespace: String? = nil, name: String? = nil, file: String? = nil) {
    self.kind = kind
    self.namespace = namespace
    self.name = name
    self.file = file
  }

  /// `Deployment knative-serving/activator`.
  public var description: String {
    let qualified = [namespace, name].compactMap(\.self).joined(separator: "/")
    return qualified.isEmpty ? kind : "\(kind) \(qualified)"
  }

  public static func < (a: ObjectRef, b: ObjectRef) -> Bool { a.description < b.description }
}

/// One place an image reference was found, and why it counts.
public struct ImageOccurrence: Hashable, Sendable {
  public var reference: ImageReference
  /// The text as written (before normalization), or what it was composed to.
  public var text: String
  public var object: ObjectRef
  /// Where in the object: `spec.template.spec.containers[0].image`, `data.agent → image`,
  /// `data.config (line 842)`.
  public var field: String
  /// How it was derived when it was not written whole (`global.hub + global.proxy.image + global.tag`).
  public var note: String?

  public init(reference: ImageReference, text: String, object: ObjectRef, field: String, note: String? = nil) {
    self.reference = reference
    self.text = text
    self.object = object
    self.field = field
    self.note = note
  }

  /// `Deployment knative-serving/activator spec.template.spec.containers[0].image`.
  public var why: String {
    "\(object) \(field)" + (note.map { " (\($0))" } ?? "")
  }
}

/// A string where an image was expected that is not a valid reference (kept out of the list, reported).
public struct ExtractionProblem: Hashable, Sendable {
  public var object: ObjectRef
  public var field: String
  public var text: String
  public var problem: String

  public var description: String { "\(object) \(field): '\(text)': \(problem)" }
}

/// Everything found in a set of manifests.
public struct ImageExtraction: Sendable {
  public var occurrences: [ImageOccurrence] = []
  public var problems: [ExtractionProblem] = []

  public init(occurrences: [ImageOccurrence] = [], problems: [ExtractionProblem] = []) {
    self.occurrences = occurrences
    self.problems = problems
  }

  /// The distinct references, sorted by canonical form.
  public var references: [ImageReference] { Array(Set(occurrences.map(\.reference))).sorted() }

  /// Where `reference` was found.
  public func occurrences(of reference: ImageReference) -> [ImageOccurrence] {
    occurrences.filter { $0.reference == reference }
  }

  public mutating func merge(_ other: ImageExtraction) {
    occurrences += other.occurrences
    problems += other.problems
  }
}
