import OrderedCollections

/// A JSON object whose keys keep the order they were read or inserted in.
public typealias JSONObject = OrderedDictionary<String, JSONValue>

/// A JSON (or JSON-compatible YAML) value: what Kubernetes objects, phase files and API responses are made of.
///
/// Equality is structural and order-sensitive for objects; use ``semanticallyEquals(_:)`` where key order
/// must not matter (comparing a live object with a desired one).
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)
}

extension JSONValue {
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }
  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }
  /// An integer, also from a double with no fractional part (JSON from some servers writes `1.0`).
  public var intValue: Int? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int(d)
    default: return nil
    }
  }
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    default: return nil
    }
  }
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }
  public var objectValue: JSONObject? {
    if case .object(let o) = self { return o }
    return nil
  }

  /// The member `key` of an object; `nil` for anything else or a missing key.
  public subscript(key: String) -> JSONValue? {
    get {
      if case .object(let o) = self { return o[key] }
      return nil
    }
    set {
      guard case .object(var o) = self else { return }
      o[key] = newValue
      self = .object(o)
    }
  }

  /// The element at `index` of an array; `nil` for anything else or an index out of range.
  public subscript(index: Int) -> JSONValue? {
    if case .array(let a) = self, a.indices.contains(index) { return a[index] }
    return nil
  }

  /// The value at a path of object keys (`["metadata", "name"]`).
  public subscript(path path: [String]) -> JSONValue? {
    var current: JSONValue? = self
    for key in path {
      current = current?[key]
      if current == nil { return nil }
    }
    return current
  }

  /// Sets the value at a path of object keys, creating intermediate objects. A non-object on the way is
  /// replaced by an object.
  public mutating func set(_ value: JSONValue, at path: [String]) {
    guard let first = path.first else {
      self = value
      return
    }
    var object = objectValue ?? [:]
    var child = object[first] ?? .object([:])
    child.set(value, at: Array(path.dropFirst()))
    object[first] = child
    self = .object(object)
  }

  /// Removes the member at a path of object keys; does nothing when the path does not exist.
  public mutating func remove(at path: [String]) {
    guard let first = path.first, case .object(var object) = self else { return }
    if path.count == 1 {
      object.removeValue(forKey: first)
    } else if var child = object[first] {
      child.remove(at: Array(path.dropFirst()))
      object[first] = child
    }
    self = .object(object)
  }

  /// Equality that ignores the order of object keys and treats `1` and `1.0` as equal, as Kubernetes does
  /// when it compares objects.
  public func semanticallyEquals(_ other: JSONValue) -> Bool {
    switch (self, other) {
    case (.object(let a), .object(let b)):
      guard a.count == b.count else { return false }
      for (key, value) in a {
        guard let theirs = b[key], value.semanticallyEquals(theirs) else { return false }
      }
      return true
    case (.array(let a), .array(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.semanticallyEquals($1) }
    case (.int, .double), (.double, .int):
      return doubleValue == other.doubleValue
    default:
      return self == other
    }
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(JSONObject(elements, uniquingKeysWith: { _, last in last }))
  }
  public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
  /// Compact JSON.
  public var description: String { serialized() }
}
