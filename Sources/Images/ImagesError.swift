public import Foundation
public import ServestackCore

/// A failure of the Images module: unreadable manifests or image lists.
public struct ImagesError: Error, LocalizedError, CategorizedError, Sendable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String { case io, invalidList, invalidManifest, layout }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// A file or directory could not be read or written.
    public static let io = Code(.io)
    /// An image list line is not an image reference.
    public static let invalidList = Code(.invalidList)
    /// A manifest file is not valid YAML.
    public static let invalidManifest = Code(.invalidManifest)
    /// A manifests directory is not laid out as `<component>/<version>/*.yaml`.
    public static let layout = Code(.layout)

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

  public var category: ErrorCategory { code == .io ? .failed : .input }
  public var errorDescription: String? { message }
  public var description: String { message }
}
