public import Foundation
import ServestackCore

/// The state as ConfigMap data: `install` holds the profile and parameters, `phase.<name>` one JSON
/// record per phase.
extension InstallState {
  static let installKey = "install"
  static let phasePrefix = "phase."

  /// The ConfigMap `data` for this state.
  public var data: [String: String] {
    var data: [String: String] = [:]
    var install: JSONObject = [
      "parameters": .object(
        JSONObject(uniqueKeysWithValues: parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
      "tool": .string("servestack \(ToolInfo.version)"),
    ]
    if let profile { install["profile"] = .string(profile.rawValue) }
    if let stack { install["stack"] = stack.json }
    if let upgrade { install["upgrade"] = upgrade.json }
    if let updatedAt { install["updatedAt"] = .string(Timestamp.format(updatedAt)) }
    data[Self.installKey] = JSONValue.object(install).serialized(.sortedKeys)
    for (name, record) in records {
      data[Self.phasePrefix + name.rawValue] = record.json.serialized(.sortedKeys)
    }
    return data
  }

  /// Reads the state from ConfigMap `data`.
  ///
  /// #### Errors
  /// ``PhaseError`` `state` naming the key that cannot be read.
  public init(data: [String: String]) throws(PhaseError) {
    self.init()
    if let text = data[Self.installKey] {
      let install = try Self.parse(text, key: Self.installKey)
      profile = install["profile"]?.stringValue.flatMap(Profile.init(rawValue:))
      for (key, value) in install["parameters"]?.objectValue ?? [:] { parameters[key] = value.stringValue }
      updatedAt = install["updatedAt"]?.stringValue.flatMap(Timestamp.parse)
      if let stack = install["stack"], let name = stack["name"]?.stringValue {
        let components = (stack["components"]?.objectValue ?? [:]).compactMap { key, value in
          value.stringValue.map { (component: key, version: $0) }
        }
        self.stack = StackSelection(name: name, components: components)
      }
      if let upgrade = install["upgrade"] { self.upgrade = UpgradeRecord(json: upgrade) }
    }
    var records: [PhaseName: PhaseRecord] = [:]
    for (key, text) in data where key.hasPrefix(Self.phasePrefix) {
      guard let name = try? PhaseName(String(key.dropFirst(Self.phasePrefix.count))) else {
        throw PhaseError(.state, "the state key '\(key)' does not name a phase")
      }
      records[name] = try PhaseRecord(json: try Self.parse(text, key: key), key: key)
    }
    let updatedAt = self.updatedAt
    let stack = self.stack
    let upgrade = self.upgrade
    self.init(profile: profile, parameters: parameters, records: records)
    self.updatedAt = updatedAt
    self.stack = stack
    self.upgrade = upgrade
  }

  private static func parse(_ text: String, key: String) throws(PhaseError) -> JSONValue {
    do {
      let value = try JSONValue(parsing: text)
      guard value.objectValue != nil else { throw PhaseError(.state, "the state key '\(key)' is not a JSON object") }
      return value
    } catch let error as PhaseError {
      throw error
    } catch {
      throw PhaseError(
        .state, "the state key '\(key)' is not JSON (\(error)); fix or delete the ConfigMap servestack-state",
        cause: error)
    }
  }
}

extension PhaseRecord {
  var json: JSONValue {
    var object: JSONObject = ["status": .string(status.rawValue), "attempts": .int(attempts)]
    if let digest { object["digest"] = .string(digest.description) }
    if let component { object["component"] = .string(component) }
    if let version { object["version"] = .string(version) }
    if let startedAt { object["startedAt"] = .string(Timestamp.format(startedAt)) }
    if let finishedAt { object["finishedAt"] = .string(Timestamp.format(finishedAt)) }
    if let message { object["message"] = .string(message) }
    object["objects"] = .array(objects.map { .string($0.text) })
    return .object(object)
  }

  init(json: JSONValue, key: String) throws(PhaseError) {
    guard let statusText = json["status"]?.stringValue, let status = PhaseRunStatus(rawValue: statusText) else {
      throw PhaseError(.state, "the state key '\(key)' has no valid status (pending, running, succeeded, failed)")
    }
    var digest: Digest?
    if let text = json["digest"]?.stringValue {
      do throws(ValueError) {
        digest = try Digest(text)
      } catch {
        throw PhaseError(.state, "the state key '\(key)' has a malformed digest: \(error.problem)")
      }
    }
    self.init(
      status: status, digest: digest, component: json["component"]?.stringValue, version: json["version"]?.stringValue,
      startedAt: json["startedAt"]?.stringValue.flatMap(Timestamp.parse),
      finishedAt: json["finishedAt"]?.stringValue.flatMap(Timestamp.parse), message: json["message"]?.stringValue,
      attempts: json["attempts"]?.intValue ?? 0,
      objects: (json["objects"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(StoredObject.init(text:)) })
  }
}

/// RFC 3339 times in UTC with microseconds, as Kubernetes writes `MicroTime` (Leases).
public enum Timestamp {
  public static func format(_ date: Date) -> String { formatter("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").string(from: date) }

  /// Reads RFC 3339 with or without fractional seconds (`Z` or an offset).
  public static func parse(_ text: String) -> Date? {
    for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXXXX", "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX"]
    {
      if let date = formatter(format).date(from: text) { return date }
    }
    return nil
  }

  private static func formatter(_ format: String) -> DateFormatter {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = format
    return formatter
  }
}
