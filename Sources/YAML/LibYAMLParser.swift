internal import CYAML

/// Owns one libyaml parser reading from a caller-owned buffer; frees it in `deinit`.
///
/// The buffer must stay valid (and unmoved) for the life of the parser: libyaml reads it lazily.
final class LibYAMLParser {
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  /// One event, reused for every `next()`; libyaml fills it and `release()` frees what it points to.
  let event: UnsafeMutablePointer<yaml_event_t>
  private var holdsEvent = false
  private let input: UnsafeBufferPointer<UInt8>
  let file: String?

  init(input: UnsafeBufferPointer<UInt8>, file: String?) throws(YAMLError) {
    parser = .allocate(capacity: 1)
    event = .allocate(capacity: 1)
    self.input = input
    self.file = file
    guard yaml_parser_initialize(parser) == 1 else {
      parser.deallocate()
      event.deallocate()
      throw YAMLError(.memory, "libyaml could not allocate a parser", file: file)
    }
    // libyaml asserts on a NULL input and an empty buffer may have no base address; with a length of 0
    // libyaml never reads through the pointer, so a pointer that only lives for this call is enough.
    withUnsafePointer(to: LibYAMLParser.emptyByte) { empty in
      yaml_parser_set_input_string(parser, input.baseAddress ?? empty, input.count)
    }
  }

  private static let emptyByte: UInt8 = 0

  deinit {
    if holdsEvent { yaml_event_delete(event) }
    yaml_parser_delete(parser)
    parser.deallocate()
    event.deallocate()
  }

  /// Parses the next event into `event`, freeing the previous one first.
  @inline(__always)
  func next() throws(YAMLError) {
    if holdsEvent {
      yaml_event_delete(event)
      holdsEvent = false
    }
    guard yaml_parser_parse(parser, event) == 1 else { throw currentError() }
    holdsEvent = true
  }

  /// The error libyaml reported, with a 1-based position.
  func currentError() -> YAMLError {
    let p = parser.pointee
    let problem = p.problem.map { String(cString: $0) } ?? "unknown problem"
    switch p.error {
    case YAML_MEMORY_ERROR:
      return YAMLError(.memory, "libyaml ran out of memory", file: file)
    case YAML_READER_ERROR:
      // Reader errors carry a byte offset instead of a mark.
      let (line, column) = position(ofByte: p.problem_offset)
      var message = "invalid input: \(problem)"
      if p.problem_value != -1 { message += " (#\(String(p.problem_value, radix: 16, uppercase: true)))" }
      return YAMLError(
        .reader, message + "; the file must be UTF-8 (or UTF-16) text", file: file,
        line: line, column: column)
    default:
      let code: YAMLError.Code = p.error == YAML_SCANNER_ERROR ? .scanner : .parser
      var message = problem
      if let context = p.context {
        let mark = p.context_mark
        message += " \(String(cString: context)) that started at line \(mark.line + 1), column \(mark.column + 1)"
      }
      return YAMLError(
        code, message, file: file, line: Int(p.problem_mark.line) + 1,
        column: Int(p.problem_mark.column) + 1)
    }
  }

  /// 1-based line and column of a byte offset into the input (columns count UTF-8 characters).
  private func position(ofByte offset: Int) -> (Int, Int) {
    var line = 1
    var column = 1
    for byte in input.prefix(offset) {
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return (line, column)
  }
}
