import ServestackCore

/// The grammar of `github.com/distribution/reference`, written out by hand (no regular expressions, so
/// that errors can say which part is wrong).
enum ImageReferenceParser {
  static let maximumNameLength = 255

  static func parse(_ text: String) throws(ValueError) -> ImageReference {
    func fail(_ problem: String) -> ValueError { ValueError(kind: "image reference", value: text, problem: problem) }
    guard !text.isEmpty else { throw fail("it is empty") }
    guard !text.contains(where: { $0.isWhitespace }) else { throw fail("it contains white space") }
    var remainder = Substring(text)
    var digest: Digest?
    if let at = remainder.firstIndex(of: "@") {
      let digestText = String(remainder[remainder.index(after: at)...])
      do throws(ValueError) {
        digest = try Digest(digestText)
      } catch {
        throw fail("bad digest '\(digestText)': \(error.problem)")
      }
      remainder = remainder[..<at]
    }
    var tag: String?
    let lastSlash = remainder.lastIndex(of: "/")
    if let colon = remainder.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
      let tagText = String(remainder[remainder.index(after: colon)...])
      // `host:port` with no path is not a tag: `localhost:5000` alone is not a reference anyway.
      tag = tagText
      remainder = remainder[..<colon]
    }
    guard !remainder.isEmpty else { throw fail("the repository name is missing") }
    var registry = ImageReference.dockerHub
    var path = String(remainder)
    if let slash = remainder.firstIndex(of: "/") {
      let first = remainder[..<slash]
      if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
        registry = String(first)
        path = String(remainder[remainder.index(after: slash)...])
      }
    }
    try validateRegistry(registry, in: text)
    registry = normalizeRegistry(registry)
    if registry == ImageReference.dockerHub && !path.contains("/") { path = "library/" + path }
    try validateRepository(path, in: text)
    if let tag { try validateTag(tag, in: text) }
    try validateLength("\(registry)/\(path)", in: text)
    return ImageReference(
      uncheckedRegistry: registry, repository: path, tag: tag ?? (digest == nil ? "latest" : nil), digest: digest)
  }

  static func normalizeRegistry(_ registry: String) -> String {
    switch registry {
    case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": ImageReference.dockerHub
    default: registry
    }
  }

  static func validateLength(_ name: String, in text: String? = nil) throws(ValueError) {
    if name.utf8.count > maximumNameLength {
      throw ValueError(
        kind: "image reference", value: text ?? name, problem: "the name is longer than \(maximumNameLength) characters"
      )
    }
  }

  /// `host[:port]`: DNS labels (letters, digits, `-`), an IPv4 address, or `[IPv6]`, with an optional port.
  static func validateRegistry(_ registry: String, in text: String) throws(ValueError) {
    func fail(_ problem: String) -> ValueError { ValueError(kind: "image reference", value: text, problem: problem) }
    var host = Substring(registry)
    if host.hasPrefix("[") {
      guard let close = host.firstIndex(of: "]") else { throw fail("unclosed '[' in registry '\(registry)'") }
      let inner = host[host.index(after: host.startIndex)..<close]
      guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
        throw fail("bad IPv6 address in registry '\(registry)'")
      }
      host = host[host.index(after: close)...]
      if host.isEmpty { return }
      guard host.first == ":" else { throw fail("unexpected text after ']' in registry '\(registry)'") }
      try validatePort(host.dropFirst(), registry: registry, in: text)
      return
    }
    if let colon = host.firstIndex(of: ":") {
      try validatePort(host[host.index(after: colon)...], registry: registry, in: text)
      host = host[..<colon]
    }
    guard !host.isEmpty else { throw fail("the registry host is empty") }
    for label in host.split(separator: ".", omittingEmptySubsequences: false) {
      guard let first = label.first, let last = label.last, first.isASCIIAlphanumeric, last.isASCIIAlphanumeric,
        label.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" })
      else {
        throw fail("bad registry host '\(registry)': each dot-separated label is letters, digits and inner '-'")
      }
    }
  }

  private static func validatePort(_ port: Substring, registry: String, in text: String) throws(ValueError) {
    guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port), number <= 65535
    else {
      throw ValueError(kind: "image reference", value: text, problem: "bad port in registry '\(registry)'")
    }
  }

  /// Path components of lower-case letters and digits, separated inside by `.`, `_`, `__` or runs of `-`.
  static func validateRepository(_ path: String, in text: String) throws(ValueError) {
    func fail(_ problem: String) -> ValueError { ValueError(kind: "image reference", value: text, problem: problem) }
    if path.contains(where: \.isUppercase) {
      throw fail("repository '\(path)' must be lower case")
    }
    for component in path.split(separator: "/", omittingEmptySubsequences: false) {
      guard isValidComponent(component) else {
        throw fail(
          component.isEmpty
            ? "repository '\(path)' has an empty path component"
            : "bad repository path component '\(component)': use a-z, 0-9 and inner '.', '_', '__' or '-'")
      }
    }
  }

  static func isValidComponent(_ component: Substring) -> Bool {
    let bytes = Array(component.utf8)
    guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      if isAlnum(byte) {
        index += 1
        continue
      }
      // A separator run: ".", "_", "__" or one or more "-", always followed by an alphanumeric.
      var end = index
      if byte == UInt8(ascii: ".") {
        end += 1
      } else if byte == UInt8(ascii: "_") {
        end += 1
        if end < bytes.count, bytes[end] == UInt8(ascii: "_") { end += 1 }
      } else if byte == UInt8(ascii: "-") {
        while end < bytes.count, bytes[end] == UInt8(ascii: "-") { end += 1 }
      } else {
        return false
      }
      guard end < bytes.count, isAlnum(bytes[end]) else { return false }
      index = end
    }
    return true
  }

  private static func isAlnum(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
  static func validateTag(_ tag: String, in text: String) throws(ValueError) {
    let bytes = Array(tag.utf8)
    func word(_ byte: UInt8) -> Bool {
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }
    guard let first = bytes.first, word(first), bytes.count <= 128,
      bytes.allSatisfy({ word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
    else {
      throw ValueError(
        kind: "image reference", value: text,
        problem: "bad tag '\(tag)': up to 128 of A-Z a-z 0-9 _ . -, not starting with . or -")
    }
  }
}

extension Character {
  fileprivate var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
