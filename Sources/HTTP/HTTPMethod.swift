/// An HTTP request method. Any token is allowed; the common ones are static members.
public struct HTTPMethod: Hashable, Sendable, RawRepresentable, CustomStringConvertible,
  ExpressibleByStringLiteral
{
  public let rawValue: String

  public init(rawValue: String) { self.rawValue = rawValue.uppercased() }
  public init(stringLiteral value: String) { self.init(rawValue: value) }

  public static let get = HTTPMethod(rawValue: "GET")
  public static let head = HTTPMethod(rawValue: "HEAD")
  public static let post = HTTPMethod(rawValue: "POST")
  public static let put = HTTPMethod(rawValue: "PUT")
  public static let patch = HTTPMethod(rawValue: "PATCH")
  public static let delete = HTTPMethod(rawValue: "DELETE")
  public static let options = HTTPMethod(rawValue: "OPTIONS")

  /// Whether repeating the request has the same effect as sending it once (RFC 9110 §9.2.2), which is what
  /// makes it safe to retry after the server may have seen it.
  public var isIdempotent: Bool {
    switch rawValue {
    case "GET", "HEAD", "PUT", "DELETE", "OPTIONS": true
    default: false
    }
  }

  public var description: String { rawValue }
}
