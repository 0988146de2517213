public import ServestackCore

/// A release version as upstream projects tag them: `v1.15.2`, `1.27.1`, `v0.16.0-rc1` (SemVer 2.0 order;
/// the `v` is optional and ignored when comparing).
public struct SemanticVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let major: Int
  public let minor: Int
  public let patch: Int
  /// Dot-separated pre-release identifiers (`rc1`); empty for a release.
  public let prerelease: [String]
  /// The text as written.
  public let text: String

  /// #### Errors
  /// ``ValueError`` unless the text is `[v]MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
  public init(_ text: String) throws(ValueError) {
    var body = Substring(text)
    if body.hasPrefix("v") { body = body.dropFirst() }
    if let plus = body.firstIndex(of: "+") { body = body[..<plus] }
    var prerelease: [String] = []
    if let dash = body.firstIndex(of: "-") {
      prerelease = body[body.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(
        String.init)
      body = body[..<dash]
      guard prerelease.allSatisfy({ !$0.isEmpty }) else {
        throw ValueError(kind: "version", value: text, problem: "empty pre-release identifier")
      }
    }
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let major = Int(parts[0]), let minor = Int(parts[1]), let patch = Int(parts[2]),
      major >= 0, minor >= 0, patch >= 0, parts.allSatisfy({ $0.allSatisfy(\.isASCII) })
    else {
      throw ValueError(kind: "version", value: text, problem: "expected MAJOR.MINOR.PATCH, e.g. v1.15.2")
    }
    self.major = major
    self.minor = minor
    self.patch = patch
    self.prerelease = prerelease
    self.text = text
  }

  public var description: String { text }

  public static func == (a: SemanticVersion, b: SemanticVersion) -> Bool {
    (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch) && a.prerelease == b.prerelease
  }
  public func hash(into hasher: inout Hasher) {
    hasher.combine(major)
    hasher.combine(minor)
    hasher.combine(patch)
    hasher.combine(prerelease)
  }

  public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
    if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
      return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }
    // A pre-release sorts before its release; identifiers compare numerically when both are numbers.
    if a.prerelease.isEmpty || b.prerelease.isEmpty { return !a.prerelease.isEmpty && b.prerelease.isEmpty }
    for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
      switch (Int(x), Int(y)) {
      case (let i?, let j?): return i < j
      case (.some, nil): return true
      case (nil, .some): return false
      case (nil, nil): return x < y
      }
    }
    return a.prerelease.count < b.prerelease.count
  }
}

/// A Kubernetes minor version (`1.29`; `v1.30.7` reads as 1.30.7), for the version matrix.
public struct KubernetesVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let major: Int
  public let minor: Int
  public let patch: Int?

  /// #### Errors
  /// ``ValueError`` unless the text is `[v]MAJOR.MINOR[.PATCH]` (a server's `v1.30.7+k3s1` also reads).
  public init(_ text: String) throws(ValueError) {
    var body = Substring(text)
    if body.hasPrefix("v") { body = body.dropFirst() }
    if let cut = body.firstIndex(where: { $0 == "+" || $0 == "-" }) { body = body[..<cut] }
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard (2...3).contains(parts.count), let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0
    else {
      throw ValueError(kind: "Kubernetes version", value: text, problem: "expected MAJOR.MINOR, e.g. \"1.29\" (quoted)")
    }
    var patch: Int?
    if parts.count == 3 {
      guard let value = Int(parts[2]), value >= 0 else {
        throw ValueError(kind: "Kubernetes version", value: text, problem: "expected MAJOR.MINOR.PATCH")
      }
      patch = value
    }
    self.major = major
    self.minor = minor
    self.patch = patch
  }

  public var description: String { patch.map { "\(major).\(minor).\($0)" } ?? "\(major).\(minor)" }

  /// Compares major, minor, then patch (a missing patch counts as 0).
  public static func < (a: KubernetesVersion, b: KubernetesVersion) -> Bool {
    (a.major, a.minor, a.patch ?? 0) < (b.major, b.minor, b.patch ?? 0)
  }
}
