/// A token, password or private key. It prints as `<redacted>` in descriptions, dumps and string
/// interpolation, so it cannot leak into logs or error messages by accident; read ``value`` on purpose.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
  CustomReflectable
{
  public let value: String

  public init(_ value: String) { self.value = value }

  public var description: String { "<redacted>" }
  public var debugDescription: String { "<redacted>" }
  public var customMirror: Mirror { Mirror(self, children: [:]) }
  public var isEmpty: Bool { value.isEmpty }
}
