import ServestackCore

extension AppliedDigest {
  /// The third condition of ``AppliedDigest``: whether every value of `wanted` is in `live`.
  struct Comparison {
    /// The object is of a built-in type (``AppliedDigest/isBuiltIn(_:)``).
    var builtIn: Bool

    /// Keys under which strings are resource quantities, compared by value (`1000m` is stored as `1`).
    static let quantityKeys: Set<String> = ["limits", "requests", "hard", "sizeLimit", "overhead", "capacity"]

    func contains(_ live: JSONValue, _ wanted: JSONValue, path: [String]) -> Bool {
      switch wanted {
      case .object(let members):
        guard case .object(let liveMembers) = live else { return false }
        for (key, value) in members {
          if let present = liveMembers[key], !present.isNull {
            guard contains(present, value, path: path + [key]) else { return false }
          } else if !isUnset(value) {
            return false
          }
        }
        return true
      case .array(let items):
        guard case .array(let liveItems) = live, liveItems.count == items.count else { return false }
        return zip(liveItems, items).allSatisfy { contains($0, $1, path: path) }
      case .null:
        // Generated manifests carry `creationTimestamp: null`, which the server replaces.
        return live.isNull || path == ["metadata", "creationTimestamp"]
      default:
        if live.semanticallyEquals(wanted) { return true }
        guard path.dropLast().contains(where: Self.quantityKeys.contains),
          let a = Quantity(json: live), let b = Quantity(json: wanted)
        else { return false }
        return a == b
      }
    }

    /// Whether a value absent (or null) in the live object is one an apply would not store either: a null, an
    /// empty object, or, for built-in types, a zero value.
    private func isUnset(_ value: JSONValue) -> Bool {
      switch value {
      case .null: return true
      case .object(let members): return members.isEmpty
      case .array(let items): return builtIn && items.isEmpty
      case .string(let text): return builtIn && text.isEmpty
      case .bool(let flag): return builtIn && !flag
      case .int(let number): return builtIn && number == 0
      case .double(let number): return builtIn && number == 0
      }
    }
  }
}
