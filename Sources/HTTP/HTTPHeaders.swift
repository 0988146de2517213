/// HTTP header fields in the order they were added or received. Names compare case-insensitively; a name
/// may appear more than once (`Set-Cookie`, `Www-Authenticate`).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable,
  CustomStringConvertible
{
  public typealias Element = (name: String, value: String)

  private var fields: [Element] = []

  public init() {}

  public init(_ pairs: [(String, String)]) {
    fields = pairs.map { (name: $0.0, value: $0.1) }
  }

  public init(dictionaryLiteral elements: (String, String)...) {
    self.init(elements)
  }

  /// The first value of `name`, or nil when it is absent.
  public subscript(name: String) -> String? {
    fields.first { Self.same($0.name, name) }?.value
  }

  /// Every value of `name`, in order.
  public func values(for name: String) -> [String] {
    fields.filter { Self.same($0.name, name) }.map(\.value)
  }

  public func contains(_ name: String) -> Bool { fields.contains { Self.same($0.name, name) } }

  /// Appends a field, keeping the fields of the same name that are already there.
  public mutating func add(_ name: String, _ value: String) {
    fields.append((name: name, value: value))
  }

  /// Replaces every field called `name` with one field holding `value`, at the first one's position.
  public mutating func set(_ name: String, _ value: String) {
    if let index = fields.firstIndex(where: { Self.same($0.name, name) }) {
      fields[index] = (name: name, value: value)
      var next = fields.index(after: index)
      while next < fields.endIndex {
        if Self.same(fields[next].name, name) { fields.remove(at: next) } else { next += 1 }
      }
    } else {
      add(name, value)
    }
  }

  public mutating func remove(_ name: String) {
    fields.removeAll { Self.same($0.name, name) }
  }

  public var count: Int { fields.count }
  public var isEmpty: Bool { fields.isEmpty }

  public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

  public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
    a.fields.count == b.fields.count
      && zip(a.fields, b.fields).allSatisfy { Self.same($0.name, $1.name) && $0.value == $1.value }
  }

  /// Names and values, with the values of credential-bearing fields replaced by `<redacted>`.
  public var description: String {
    fields.map { field in
      let sensitive = ["authorization", "proxy-authorization", "cookie", "set-cookie"]
      return "\(field.name): \(sensitive.contains(field.name.lowercased()) ? "<redacted>" : field.value)"
    }.joined(separator: "\n")
  }

  /// Appends to the value of the last field (an obs-folded continuation line).
  mutating func appendToLast(_ text: String) {
    guard let last = fields.indices.last else { return }
    fields[last].value += text
  }

  /// ASCII case-insensitive equality, without allocating (header names are ASCII tokens).
  static func same(_ a: String, _ b: String) -> Bool {
    var left = a.utf8.makeIterator()
    var right = b.utf8.makeIterator()
    while true {
      switch (left.next(), right.next()) {
      case (nil, nil): return true
      case (let x?, let y?):
        if x != y && lower(x) != lower(y) { return false }
      default: return false
      }
    }
  }

  private static func lower(_ byte: UInt8) -> UInt8 {
    (65...90).contains(byte) ? byte + 32 : byte
  }
}
