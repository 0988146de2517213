import Foundation

/// Thrown by a command the SPEC names but this build does not have yet; it exits with 2.
struct NotBuiltYet: Error, LocalizedError {
  let command: String
  let issue: String
  var errorDescription: String? {
    "'servestack \(command)' is not built yet in servestack (tracked in \(issue)); nothing was done"
  }
}
