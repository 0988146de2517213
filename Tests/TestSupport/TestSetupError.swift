/// A test's own setup failed (a server did not start, a tool is missing).
public struct TestSetupError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
