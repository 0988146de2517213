import ArgumentParser
import ServestackCore

/// A duration flag's value (`--timeout 20m`, the Go grammar); one that does not parse is a usage error
/// naming the flag.
func parseDurationFlag(_ flag: String, _ text: String) throws(ValidationError) -> Duration {
  do {
    return try GoDuration(text).duration
  } catch {
    throw ValidationError("\(flag) \(text): \(error.userMessage)")
  }
}
