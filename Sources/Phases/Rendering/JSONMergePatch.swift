public import ServestackCore

/// RFC 7386 JSON merge patch: objects merge member by member, `null` removes a member, anything else
/// (arrays included) replaces.
public enum JSONMergePatch {
  public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
    guard case .object(let members) = patch else { return patch }
    var result = target.objectValue ?? [:]
    for (name, value) in members {
      if value.isNull {
        result.removeValue(forKey: name)
      } else {
        result[name] = apply(value, to: result[name] ?? .null)
      }
    }
    return .object(result)
  }
}
