/// An `Error` whose text was kept, for causes that are not `Sendable`.
struct SendableCause: Error, Sendable, CustomStringConvertible {
  let description: String
  init(_ error: any Error) { description = String(describing: error) }
}
