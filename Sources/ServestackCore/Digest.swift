import Crypto

/// A content digest as OCI and Kubernetes write it: `sha256:<64 lowercase hex>` (also `sha512:<128 hex>`).
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let algorithm: String
  public let hex: String

  /// Validates `algorithm:hex`.
  ///
  /// #### Errors
  /// ``ValueError`` naming the text and what is wrong with it.
  public init(_ text: String) throws(ValueError) {
    guard let colon = text.firstIndex(of: ":") else {
      throw ValueError(kind: "digest", value: text, problem: "expected algorithm:hex, e.g. sha256:…")
    }
    let algorithm = String(text[..<colon])
    let hex = String(text[text.index(after: colon)...])
    let expected: Int
    switch algorithm {
    case "sha256": expected = 64
    case "sha512": expected = 128
    default: throw ValueError(kind: "digest", value: text, problem: "unsupported algorithm '\(algorithm)'")
    }
    guard hex.utf8.count == expected, hex.utf8.allSatisfy(Digest.isLowerHex) else {
      throw ValueError(kind: "digest", value: text, problem: "expected \(expected) lowercase hex digits")
    }
    self.algorithm = algorithm
    self.hex = hex
  }

  init(trustedSHA256Hex hex: String) {
    self.algorithm = "sha256"
    self.hex = hex
  }

  public var description: String { "\(algorithm):\(hex)" }

  /// The first 12 hex digits, for progress lines.
  public var short: String { String(hex.prefix(12)) }

  public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }

  static func isLowerHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
  }

  /// The SHA-256 digest of `bytes`.
  public static func sha256(_ bytes: some Sequence<UInt8>) -> Digest {
    var hasher = SHA256Stream()
    hasher.update(Array(bytes))
    return hasher.finalize()
  }

  /// The SHA-256 digest of a string's UTF-8 bytes.
  public static func sha256(_ text: String) -> Digest { sha256(Array(text.utf8)) }
}

/// A running SHA-256 over data that arrives in pieces (a download, a file read in chunks).
public struct SHA256Stream {
  private var hasher = SHA256()
  public private(set) var count: Int64 = 0

  public init() {}

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    hasher.update(bufferPointer: bytes)
    count += Int64(bytes.count)
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  public func finalize() -> Digest {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in hasher.finalize() {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0x0F)])
    }
    return Digest(trustedSHA256Hex: String(decoding: hex, as: UTF8.self))
  }
}
