/// Turns the header lines libcurl hands over, one complete line per call, into status and headers. Every
/// status line starts a new block, so that only the last response's headers are kept (after redirects,
/// `100 Continue` or an authentication round).
struct ResponseHeaderParser {
  private(set) var status = 0
  private(set) var httpVersion = ""
  private(set) var headers = HTTPHeaders()
  /// Whether the current block's blank line has been seen.
  private(set) var blockComplete = false

  /// Feeds one line (with its CRLF); returns true when it ended a block. Works on bytes: this runs for
  /// every header of every response.
  mutating func consume(_ line: UnsafeRawBufferPointer) -> Bool {
    var end = line.count
    while end > 0, line[end - 1] == 10 || line[end - 1] == 13 { end -= 1 }
    if end == 0 {
      blockComplete = true
      return true
    }
    let bytes = UnsafeRawBufferPointer(rebasing: line[0..<end])
    if bytes.starts(with: "HTTP/".utf8) {
      startBlock(String(decoding: bytes, as: UTF8.self))
    } else if bytes[0] == 32 || bytes[0] == 9 {
      // obs-fold: a continuation of the previous field's value.
      let more = Self.trimmed(bytes, from: 0, to: bytes.count)
      headers.appendToLast(" " + String(decoding: more, as: UTF8.self))
    } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
      let name = Self.trimmed(bytes, from: 0, to: colon)
      let value = Self.trimmed(bytes, from: colon + 1, to: bytes.count)
      headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }
    return false
  }

  private static func trimmed(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> UnsafeRawBufferPointer {
    var start = from
    var end = to
    while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
    while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
    return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
  }

  private mutating func startBlock(_ line: String) {
    let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
    httpVersion = parts.first.map { String($0.dropFirst("HTTP/".count)) } ?? ""
    status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    headers = HTTPHeaders()
    blockComplete = false
  }

  var head: ResponseHead { ResponseHead(status: status, headers: headers, httpVersion: httpVersion) }
}
