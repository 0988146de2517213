public import ServestackCore

/// A validated container image reference: `registry/repository[:tag][@digest]`, normalized the way Docker
/// and containerd normalize it (`nginx` → `docker.io/library/nginx:latest`, `index.docker.io` → `docker.io`).
///
/// A reference written with neither tag nor digest gets the tag `latest`; one written with only a digest
/// keeps no tag. ``description`` is the canonical, fully qualified form; ``familiar`` is the short form
/// people write.
public struct ImageReference: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// `host[:port]`, lower-cased host names stay as written (registries may be case-sensitive in ports only).
  public let registry: String
  /// The path inside the registry: `library/nginx`, `knative-releases/knative.dev/serving/cmd/queue`.
  public let repository: String
  public let tag: String?
  public let digest: Digest?

  /// The registry Docker Hub references are normalized to.
  public static let dockerHub = "docker.io"

  /// Parses and normalizes `text`.
  ///
  /// #### Errors
  /// ``ValueError`` (kind `image reference`) naming what is wrong: upper-case repository, bad tag, bad
  /// digest, empty path component, a name longer than 255 characters.
  public init(_ text: String) throws(ValueError) {
    self = try ImageReferenceParser.parse(text)
  }

  /// Builds a reference from its parts, validating each. With neither tag nor digest, the tag is `latest`.
  public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) throws(ValueError) {
    let whole = "\(registry)/\(repository)"
    try ImageReferenceParser.validateRegistry(registry, in: whole)
    try ImageReferenceParser.validateRepository(repository, in: whole)
    if let tag { try ImageReferenceParser.validateTag(tag, in: whole) }
    self.init(
      uncheckedRegistry: ImageReferenceParser.normalizeRegistry(registry),
      repository: repository, tag: tag ?? (digest == nil ? "latest" : nil), digest: digest)
  }

  init(uncheckedRegistry registry: String, repository: String, tag: String?, digest: Digest?) {
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  /// `registry/repository`, without tag or digest.
  public var name: String { "\(registry)/\(repository)" }

  /// What the registry API calls the reference: the digest when there is one, else the tag.
  public var apiReference: String { digest?.description ?? tag ?? "latest" }

  /// The canonical form: `docker.io/library/nginx:latest`, `gcr.io/x/y@sha256:…`, `r/x:1@sha256:…`.
  public var description: String {
    var text = name
    if let tag { text += ":" + tag }
    if let digest { text += "@" + digest.description }
    return text
  }

  /// The short form: Docker Hub's `docker.io/` and `library/` dropped (`nginx:latest`, `istio/pilot:1.27.1`).
  public var familiar: String {
    var path = name
    if registry == Self.dockerHub {
      path =
        repository.hasPrefix("library/") && !repository.dropFirst(8).contains("/")
        ? String(repository.dropFirst(8)) : repository
    }
    if let tag { path += ":" + tag }
    if let digest { path += "@" + digest.description }
    return path
  }

  /// The same image under another tag (keeping the digest, which wins when pulling).
  public func withTag(_ tag: String?) throws(ValueError) -> ImageReference {
    if let tag { try ImageReferenceParser.validateTag(tag, in: description) }
    return ImageReference(uncheckedRegistry: registry, repository: repository, tag: tag, digest: digest)
  }

  /// The same image pinned to `digest`.
  public func withDigest(_ digest: Digest?) -> ImageReference {
    ImageReference(uncheckedRegistry: registry, repository: repository, tag: tag, digest: digest)
  }

  /// The reference as it would be in a private registry: `HOST[:PORT][/PREFIX]` replaces the registry, and
  /// the repository path, tag and digest are kept (`docker.io/istio/pilot:1.27.1` →
  /// `HOST/PREFIX/istio/pilot:1.27.1`).
  ///
  /// #### Errors
  /// ``ValueError`` when `target` is not `host[:port][/path]` or the result is longer than allowed.
  public func rewritten(toRegistry target: String) throws(ValueError) -> ImageReference {
    let trimmed = target.hasSuffix("/") ? String(target.dropLast()) : target
    let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    guard let host = parts.first, !host.isEmpty else {
      throw ValueError(kind: "registry", value: target, problem: "expected HOST[:PORT][/PREFIX]")
    }
    do throws(ValueError) {
      try ImageReferenceParser.validateRegistry(String(host), in: target)
      let prefix = parts.count > 1 ? String(parts[1]) : ""
      if !prefix.isEmpty { try ImageReferenceParser.validateRepository(prefix, in: target) }
      let repository = prefix.isEmpty ? self.repository : "\(prefix)/\(self.repository)"
      let rewrittenRegistry = ImageReferenceParser.normalizeRegistry(String(host))
      try ImageReferenceParser.validateLength("\(rewrittenRegistry)/\(repository)")
      return ImageReference(uncheckedRegistry: rewrittenRegistry, repository: repository, tag: tag, digest: digest)
    } catch {
      throw ValueError(kind: "registry", value: target, problem: error.problem)
    }
  }

  public static func < (a: ImageReference, b: ImageReference) -> Bool { a.description < b.description }
}
