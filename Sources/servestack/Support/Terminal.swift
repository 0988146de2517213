import Foundation

/// Where the CLI prints: whether it is a terminal (colour and progress only then) and `NO_COLOR`.
struct Terminal: Sendable {
  let fileDescriptor: Int32

  static let standardOutput = Terminal(fileDescriptor: 1)
  static let standardError = Terminal(fileDescriptor: 2)

  var isTTY: Bool { isatty(fileDescriptor) == 1 }

  /// Colour only on a terminal and only when `NO_COLOR` is unset or empty (https://no-color.org).
  var usesColor: Bool {
    guard isTTY else { return false }
    let noColor = ProcessInfo.processInfo.environment["NO_COLOR"] ?? ""
    return noColor.isEmpty
  }

  func write(_ text: String) {
    let handle = fileDescriptor == 1 ? FileHandle.standardOutput : FileHandle.standardError
    handle.write(Data(text.utf8))
  }

  /// Writes a line to standard output unbuffered, so it keeps its place among progress lines.
  static func line(_ text: String) { standardOutput.write(text + "\n") }
}
