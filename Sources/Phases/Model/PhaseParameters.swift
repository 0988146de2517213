public import ServestackCore

/// The values `${name}` placeholders in phase files (patches, inline objects, webhook probes) stand for.
///
/// `profile` and the values derived from it are always set; `domain` and `namespace` have defaults; any of
/// them may be overridden (`--set domain=models.example.org`). `$${` writes a literal `${`.
public struct PhaseParameters: Sendable, Equatable {
  /// Every parameter a phase file may use, with what it means.
  public static let known: KeyValuePairs<String, String> = [
    "profile": "the selected profile (serverless, serverless-kourier, raw)",
    "domain": "the domain of InferenceService hosts (Knative config-domain, KServe ingressDomain); default example.com",
    "ingressClass":
      "Knative's ingress class for the profile (istio.… / kourier.ingress.networking.knative.dev; empty for raw)",
    "deploymentMode": "KServe's default deployment mode for the profile (Serverless, RawDeployment)",
    "namespace": "the namespace test phases create their InferenceServices in; default servestack-test",
    "kserveNamespace": "the namespace KServe runs in; kserve",
  ]

  public static var knownNames: [String] { known.map(\.key) }

  public let profile: Profile
  public private(set) var values: [String: String]

  /// The parameters for `profile`, with `overrides` replacing defaults.
  ///
  /// #### Errors
  /// ``PhaseError`` (`unknownParameter`, a usage problem) for an override no phase file can use.
  public init(profile: Profile, overrides: [String: String] = [:]) throws(PhaseError) {
    self.profile = profile
    values = [
      "profile": profile.rawValue,
      "domain": "example.com",
      "ingressClass": profile.knativeIngressClass,
      "deploymentMode": profile.deploymentMode,
      "namespace": "servestack-test",
      "kserveNamespace": "kserve",
    ]
    for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
      guard values[name] != nil, name != "profile" else {
        throw PhaseError(
          .unknownParameter,
          "unknown parameter '\(name)'; the parameters are \(PhaseParameters.knownNames.filter { $0 != "profile" }.joined(separator: ", ")) (the profile is chosen with --profile)"
        )
      }
      values[name] = value
    }
  }

  public subscript(name: String) -> String? { values[name] }

  /// `value` with every placeholder in its strings and object keys replaced.
  public func substitute(_ value: JSONValue) -> JSONValue {
    switch value {
    case .string(let text): .string(substitute(text))
    case .array(let items): .array(items.map(substitute))
    case .object(let object):
      .object(
        JSONObject(object.map { (substitute($0.key), substitute($0.value)) }, uniquingKeysWith: { _, last in last }))
    default: value
    }
  }

  /// `text` with every `${name}` replaced and `$${` turned into `${`; unknown names are left as written
  /// (the loader has already rejected them).
  public func substitute(_ text: String) -> String {
    guard text.contains("${") else { return text }
    var output = ""
    for piece in PhaseParameters.scan(text) {
      switch piece {
      case .literal(let literal): output += literal
      case .placeholder(let name): output += values[name] ?? "${\(name)}"
      }
    }
    return output
  }

  enum Piece: Equatable {
    case literal(String)
    case placeholder(String)
  }

  /// Splits text into literals and `${name}` placeholders. An unclosed `${` stays literal.
  static func scan(_ text: String) -> [Piece] {
    var pieces: [Piece] = []
    var literal = ""
    var rest = Substring(text)
    while let dollar = rest.firstIndex(of: "$") {
      literal += rest[..<dollar]
      let after = rest[dollar...]
      if after.hasPrefix("$${") {
        literal += "${"
        rest = after.dropFirst(3)
      } else if after.hasPrefix("${"), let close = after.firstIndex(of: "}") {
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        literal = ""
        pieces.append(.placeholder(String(after[after.index(after.startIndex, offsetBy: 2)..<close])))
        rest = after[after.index(after: close)...]
      } else {
        literal += "$"
        rest = after.dropFirst()
      }
    }
    literal += rest
    if !literal.isEmpty { pieces.append(.literal(literal)) }
    return pieces
  }

  /// The placeholder names in `text` that no parameter has.
  static func unknownPlaceholders(in text: String) -> [String] {
    guard text.contains("${") else { return [] }
    return scan(text).compactMap {
      if case .placeholder(let name) = $0, !knownNames.contains(name) { return name }
      return nil
    }
  }
}
