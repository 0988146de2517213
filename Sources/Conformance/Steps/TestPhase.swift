public import Foundation
public import ServestackCore
import YAML

/// A `kind: test` phase file: its name, profiles, overall timeout and its steps as written. Steps are
/// substituted and parsed for one run with ``steps(parameters:)``.
public struct TestPhase: Sendable {
  /// One `steps:` entry as written: `- request: {…}`.
  public struct RawStep: Sendable {
    public var action: String
    public var body: JSONValue
    /// `phases/80-smoke.yaml step 3`.
    public var source: String

    public init(action: String, body: JSONValue, source: String) {
      self.action = action
      self.body = body
      self.source = source
    }
  }

  public var name: String
  public var file: String
  public var description: String?
  /// nil: every profile.
  public var profiles: Set<String>?
  public var after: [String]
  /// The whole phase's time limit; each step's own timeout is bounded by what is left of it.
  public var timeout: Duration
  public var rawSteps: [RawStep]

  public init(
    name: String, file: String, description: String? = nil, profiles: Set<String>? = nil, after: [String] = [],
    timeout: Duration = .seconds(15 * 60), rawSteps: [RawStep]
  ) {
    self.name = name
    self.file = file
    self.description = description
    self.profiles = profiles
    self.after = after
    self.timeout = timeout
    self.rawSteps = rawSteps
  }

  public func applies(to profile: String) -> Bool { profiles?.contains(profile) ?? true }

  /// The steps for one run: placeholders replaced with `parameters`, parsed and checked, steps of other
  /// profiles left out, names made unique (`request`, `request-2`).
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidPhase`) naming the file, step and field.
  public func steps(parameters: TestParameters) throws(ConformanceError) -> [ConformanceStep] {
    var steps: [ConformanceStep] = []
    var seen: [String: Int] = [:]
    for raw in rawSteps {
      let body: JSONValue
      do {
        body = try parameters.substitute(raw.body)
      } catch {
        throw ConformanceError(.invalidPhase, "\(raw.source): \(error.message)")
      }
      var step = try ConformanceStep.parse(
        action: raw.action, body: body, source: raw.source, defaultTimeout: .seconds(300))
      if let profiles = step.profiles, !profiles.contains(parameters.profile) { continue }
      seen[step.name, default: 0] += 1
      if let count = seen[step.name], count > 1 { step.name += "-\(count)" }
      steps.append(step)
    }
    return steps
  }

  /// Parses a phase file's text; nil when it is not a `kind: test` phase.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidPhase`) for YAML that does not parse or a test phase without steps.
  public static func parse(_ text: String, file: String) throws(ConformanceError) -> TestPhase? {
    let document: JSONValue
    do {
      document = try YAMLParser.parseDocument(text, file: file)
    } catch {
      throw ConformanceError(.invalidPhase, error.message, cause: error)
    }
    return try TestPhase(document: document, file: file)
  }

  /// Reads a parsed phase document; nil when it is not `kind: test`.
  public init?(document: JSONValue, file: String) throws(ConformanceError) {
    guard document["kind"]?.stringValue == "test" else { return nil }
    guard let name = document["name"]?.stringValue, !name.isEmpty else {
      throw ConformanceError(.invalidPhase, "\(file): a test phase needs a name")
    }
    guard let items = document["steps"]?.arrayValue, !items.isEmpty else {
      throw ConformanceError(.invalidPhase, "\(file): a test phase needs at least one step")
    }
    var raw: [RawStep] = []
    for (index, item) in items.enumerated() {
      guard let object = item.objectValue, object.count == 1, let action = object.keys.first,
        let body = object.values.first
      else {
        throw ConformanceError(
          .invalidPhase,
          "\(file) step \(index + 1): a step is a mapping with one key: apply, wait, request, expect, observe, cleanup")
      }
      raw.append(RawStep(action: action, body: body, source: "\(file) step \(index + 1) (\(action))"))
    }
    var timeout = Duration.seconds(15 * 60)
    if let text = document["timeout"]?.stringValue {
      do { timeout = try GoDuration(text).duration } catch {
        throw ConformanceError(.invalidPhase, "\(file): timeout: \(error)")
      }
    }
    let profiles = document["profiles"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) }
    self.init(
      name: name, file: file, description: document["description"]?.stringValue, profiles: profiles,
      after: (document["after"]?.arrayValue ?? []).compactMap(\.stringValue), timeout: timeout, rawSteps: raw)
  }

  /// The test phases among the `*.yaml` files of a folder, in file-name order.
  ///
  /// #### Errors
  /// ``ConformanceError`` for a file that cannot be read or parsed.
  public static func load(directory: URL) throws(ConformanceError) -> [TestPhase] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    } catch {
      throw ConformanceError(.invalidPhase, "cannot read phase folder \(directory.path): \(error.localizedDescription)")
    }
    var phases: [TestPhase] = []
    for name in names {
      let url = directory.appendingPathComponent(name)
      guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        throw ConformanceError(.invalidPhase, "cannot read \(url.path)")
      }
      if let phase = try parse(text, file: url.path) { phases.append(phase) }
    }
    return phases
  }
}
