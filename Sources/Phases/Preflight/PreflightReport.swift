import Foundation
public import ServestackCore

/// A preflight check's verdict.
public enum PreflightStatus: String, Sendable, Hashable, CustomStringConvertible {
  case pass, warn, fail
  /// Not run (not relevant here, or the cluster could not be reached).
  case skip
  public var description: String { rawValue }
}

/// One check's result: the verdict, the reason and, unless it passed, the fix.
public struct PreflightCheckResult: Sendable {
  /// As in phase files: `kubernetes-version`.
  public var name: String
  /// As `--ignore-preflight-errors` and the table name it: `KubernetesVersion`.
  public var title: String
  public var status: PreflightStatus
  public var reason: String
  public var fix: String?
  /// A failure that `--ignore-preflight-errors` turned into a warning.
  public var ignored: Bool
  public var duration: Duration

  public init(
    name: String, status: PreflightStatus, reason: String, fix: String? = nil, ignored: Bool = false,
    duration: Duration = .zero
  ) {
    self.name = name
    self.title = PreflightNames.title(name)
    self.status = status
    self.reason = reason
    self.fix = fix
    self.ignored = ignored
    self.duration = duration
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "name": .string(title), "check": .string(name), "result": .string(status.rawValue), "reason": .string(reason),
    ]
    if let fix { object["fix"] = .string(fix) }
    if ignored { object["ignored"] = true }
    object["seconds"] = .double(duration.seconds)
    return .object(object)
  }
}

/// Every check's result, and how long they took together.
public struct PreflightReport: Sendable {
  public var results: [PreflightCheckResult]
  /// Wall time of the checks (they run concurrently).
  public var duration: Duration
  /// Set when the phases could not be rendered, so that permissions and webhooks were checked coarsely.
  public var note: String?
  /// The stack set the checks were run for, and why it was chosen.
  public var stack: StackChoice?

  public init(results: [PreflightCheckResult], duration: Duration, note: String? = nil) {
    self.results = results
    self.duration = duration
    self.note = note
  }

  /// Whether any check failed (after `--ignore-preflight-errors`).
  public var failed: Bool { results.contains { $0.status == .fail } }
  public var failures: [PreflightCheckResult] { results.filter { $0.status == .fail } }
  public var warnings: [PreflightCheckResult] { results.filter { $0.status == .warn } }

  public subscript(name: String) -> PreflightCheckResult? {
    let key = PreflightNames.normalized(name)
    return results.first { PreflightNames.normalized($0.name) == key }
  }

  /// `10 checks in 0.31s: 6 passed, 3 warnings, 1 failed`.
  public var summary: String {
    let passed = results.count { $0.status == .pass }
    let skipped = results.count { $0.status == .skip }
    var text =
      "\(results.count) checks in \(String(format: "%.2fs", duration.seconds)): \(passed) passed, \(warnings.count) warning(s), \(failures.count) failed"
    if skipped > 0 { text += ", \(skipped) skipped" }
    return text
  }

  public var json: JSONValue {
    var object: JSONObject = [
      "passed": .bool(!failed), "seconds": .double(duration.seconds), "checks": .array(results.map(\.json)),
    ]
    if let note { object["note"] = .string(note) }
    if let stack { object["stack"] = stack.json }
    return .object(object)
  }
}

/// Check names in both spellings: phase files use `kubernetes-version`, the table and
/// `--ignore-preflight-errors` use kubeadm's `KubernetesVersion` (either is accepted, in any case).
public enum PreflightNames {
  public static func title(_ name: String) -> String {
    name.split(separator: "-").map { part in
      part == "gpu" ? "GPU" : part.prefix(1).uppercased() + part.dropFirst()
    }.joined()
  }

  /// Lower case without dashes or underscores: `KubernetesVersion` and `kubernetes-version` meet.
  public static func normalized(_ name: String) -> String {
    name.lowercased().filter { $0 != "-" && $0 != "_" }
  }

  /// Parses `--ignore-preflight-errors` values (comma separated, repeatable; `all`).
  ///
  /// #### Errors
  /// ``PhaseError`` `selection` (a usage error) naming an unknown check and listing the known ones.
  public static func parseIgnored(_ values: [String]) throws(PhaseError) -> Set<String> {
    let known = Dictionary(uniqueKeysWithValues: PreflightCheck.knownChecks.map { (normalized($0), $0) })
    var ignored = Set<String>()
    for item in values.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) })
    where !item.isEmpty {
      if item.lowercased() == "all" {
        ignored.insert("all")
        continue
      }
      guard let name = known[normalized(item)] else {
        throw PhaseError(
          .selection,
          "--ignore-preflight-errors \(item): no such check; the checks are all, \(PreflightCheck.knownChecks.map(title).joined(separator: ", "))"
        )
      }
      ignored.insert(name)
    }
    return ignored
  }
}
