public import Foundation
public import ServestackCore

/// A bundle could not be created, read, verified or pushed: what happened, to which bundle or file, and
/// what to do.
public struct BundleError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String, Sendable {
      case invalidSpec, invalidBundle, verificationFailed, signature, key, model, io, registry, phases
      case leftoverReferences, usage, image
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// A bundle specification (bundles/*.yaml) is malformed or names something unknown.
    public static let invalidSpec = Code(.invalidSpec)
    /// The bundle is not a servestack bundle or its bundle.yaml / index.json is malformed.
    public static let invalidBundle = Code(.invalidBundle)
    /// Checksums, blob digests or the archive itself do not check out.
    public static let verificationFailed = Code(.verificationFailed)
    /// The signature is missing, malformed or does not match the key.
    public static let signature = Code(.signature)
    /// A key file cannot be read or is not an ed25519 key.
    public static let key = Code(.key)
    /// A test model's files are missing or unreadable.
    public static let model = Code(.model)
    /// Local file-system failure.
    public static let io = Code(.io)
    /// A registry refused or could not be reached (the cause says which).
    public static let registry = Code(.registry)
    /// Phases could not be loaded or rendered.
    public static let phases = Code(.phases)
    /// Image references to other registries are left after rewriting.
    public static let leftoverReferences = Code(.leftoverReferences)
    /// Options that do not fit together.
    public static let usage = Code(.usage)
    /// servestack's own image could not be built from its binary (ldd, a library, the layout).
    public static let image = Code(.image)

    public var description: String { value.rawValue }
  }

  public var code: Code
  public var message: String
  public var cause: (any Error & Sendable)?

  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var category: ErrorCategory {
    switch code {
    case .io, .image: .failed
    case .registry, .phases: cause?.category ?? .failed
    // A corrupt, hostile or wrongly signed bundle is bad input: 2 from verify, inspect, push and install alike.
    case .verificationFailed, .signature: .input
    case .leftoverReferences: .failed
    case .usage: .usage
    default: .input
    }
  }

  public var errorDescription: String? { message }
  public var description: String { message }

  /// Wraps any error as a bundle error of `code`, keeping a ``BundleError`` as it is.
  static func wrap(_ error: any Error, _ code: Code, _ context: String) -> BundleError {
    if let bundle = error as? BundleError { return bundle }
    let message = "\(context): \(error.userMessage)"
    return BundleError(code, message, cause: error)
  }
}
