import Crypto
public import Foundation
public import ServestackCore

/// An ed25519 private key that signs bundles (the signature covers checksums.txt, which covers every file).
///
/// Key files, either form:
/// - PEM, as `openssl genpkey -algorithm ed25519` writes it (`-----BEGIN PRIVATE KEY-----`, PKCS #8);
/// - one line of base64 holding the raw 32-byte seed.
///
/// `servestack bundle keygen` writes both halves in PEM; `openssl pkey -in key.pem -pubout` gives the
/// public half of an OpenSSL key.
public struct BundleSigningKey: Sendable {
  /// The 32-byte seed (swift-crypto's key types are not Sendable, so the raw form is kept).
  private let seed: [UInt8]

  private var key: Curve25519.Signing.PrivateKey {
    // The seed was validated when the value was made.
    (try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)) ?? Curve25519.Signing.PrivateKey()
  }

  /// A new random key.
  public init() { seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation) }

  /// Reads a key file.
  ///
  /// #### Errors
  /// ``BundleError`` `.key` when the file cannot be read or holds no ed25519 private key (the key is never
  /// shown).
  public init(contentsOf url: URL) throws(BundleError) {
    let raw = try KeyFile.read(
      url, pemLabel: "PRIVATE KEY", derPrefix: KeyFile.pkcs8Prefix, what: "ed25519 private key")
    guard (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil else {
      throw BundleError(.key, "\(url.path) does not hold a usable ed25519 private key")
    }
    seed = raw
  }

  /// The public half.
  public var publicKey: BundleVerifyingKey { BundleVerifyingKey(raw: Array(key.publicKey.rawRepresentation)) }

  /// The signature file's text for `checksums`: base64 of the 64-byte signature, then a newline.
  ///
  /// #### Errors
  /// ``BundleError`` `.signature` if signing fails.
  public func signature(for checksums: [UInt8]) throws(BundleError) -> String {
    do {
      return try key.signature(for: Data(checksums)).base64EncodedString() + "\n"
    } catch {
      throw BundleError(.signature, "cannot sign checksums.txt: \(error)")
    }
  }

  /// The key as PKCS #8 PEM (what `openssl pkey` reads).
  public var pem: Secret {
    Secret(KeyFile.pem(label: "PRIVATE KEY", der: KeyFile.pkcs8Prefix + seed))
  }
}

/// An ed25519 public key that checks bundle signatures: PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo,
/// as `openssl pkey -pubout` writes it) or one line of base64 holding the raw 32 bytes.
public struct BundleVerifyingKey: Sendable {
  /// The raw 32-byte key (validated when the value was made).
  private let raw: [UInt8]

  init(raw: [UInt8]) { self.raw = raw }

  /// Reads a public key file.
  ///
  /// #### Errors
  /// ``BundleError`` `.key` when the file cannot be read or holds no ed25519 public key.
  public init(contentsOf url: URL) throws(BundleError) {
    let raw = try KeyFile.read(url, pemLabel: "PUBLIC KEY", derPrefix: KeyFile.spkiPrefix, what: "ed25519 public key")
    guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
      throw BundleError(.key, "\(url.path) does not hold a usable ed25519 public key")
    }
    self.raw = raw
  }

  /// Whether `signatureText` (the signature file) is a valid signature of `checksums` by this key.
  public func isValid(signatureText: [UInt8], for checksums: [UInt8]) -> Bool {
    let text = String(decoding: signatureText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard let signature = Data(base64Encoded: text), signature.count == 64,
      let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    else { return false }
    return key.isValidSignature(signature, for: Data(checksums))
  }

  /// SubjectPublicKeyInfo PEM.
  public var pem: String { KeyFile.pem(label: "PUBLIC KEY", der: KeyFile.spkiPrefix + raw) }

  /// The raw key in base64, for display (`bundle keygen` prints it).
  public var base64: String { Data(raw).base64EncodedString() }
}

/// Reading and writing the two key file forms.
enum KeyFile {
  /// DER before the 32-byte seed in an ed25519 PKCS #8 PrivateKeyInfo (RFC 8410).
  static let pkcs8Prefix: [UInt8] = [
    0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
  ]
  /// DER before the 32-byte key in an ed25519 SubjectPublicKeyInfo (RFC 8410).
  static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

  static func read(_ url: URL, pemLabel: String, derPrefix: [UInt8], what: String) throws(BundleError) -> [UInt8] {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw BundleError(.key, "cannot read the key file \(url.path): \(error.localizedDescription)")
    }
    let begin = "-----BEGIN \(pemLabel)-----"
    let end = "-----END \(pemLabel)-----"
    if let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) {
      let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
      guard let der = Data(base64Encoded: String(body)).map(Array.init), der.count == derPrefix.count + 32,
        Array(der.prefix(derPrefix.count)) == derPrefix
      else {
        throw BundleError(
          .key, "\(url.path) holds a PEM \(pemLabel) that is not an \(what) (other algorithms are not supported)")
      }
      return Array(der.suffix(32))
    }
    if text.contains("-----BEGIN") {
      throw BundleError(
        .key, "\(url.path) is PEM but not a '\(pemLabel)' block; give an \(what) (openssl genpkey -algorithm ed25519)")
    }
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard let raw = Data(base64Encoded: trimmed), raw.count == 32 else {
      throw BundleError(.key, "\(url.path) is neither PEM nor base64 of a raw 32-byte \(what)")
    }
    return Array(raw)
  }

  static func pem(label: String, der: [UInt8]) -> String {
    let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
    return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
  }
}
