public import ServestackCore

/// Which stack is installed (README, `--profile`; docs/phases.md, `profiles`).
public enum Profile: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
  /// cert-manager, Istio, Knative Serving, net-istio, KServe in Serverless mode.
  case serverless
  /// cert-manager, Knative Serving, Kourier, KServe in Serverless mode.
  case serverlessKourier = "serverless-kourier"
  /// cert-manager and KServe in RawDeployment mode: plain Deployments and HPAs, no Knative or Istio.
  case raw

  /// Parses a profile name.
  ///
  /// #### Errors
  /// ``ValueError`` listing the known profiles.
  public init(parsing text: String) throws(ValueError) {
    guard let profile = Profile(rawValue: text) else {
      throw ValueError(
        kind: "profile", value: text,
        problem: "known profiles: \(Profile.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    self = profile
  }

  public var description: String { rawValue }

  public static func < (a: Profile, b: Profile) -> Bool {
    a.rank < b.rank
  }

  private var rank: Int {
    switch self {
    case .serverless: 0
    case .serverlessKourier: 1
    case .raw: 2
    }
  }

  /// Knative's `config-network` `ingress-class` for this profile; empty for `raw`, which has no Knative.
  public var knativeIngressClass: String {
    switch self {
    case .serverless: "istio.ingress.networking.knative.dev"
    case .serverlessKourier: "kourier.ingress.networking.knative.dev"
    case .raw: ""
    }
  }

  /// KServe's `defaultDeploymentMode` for this profile.
  public var deploymentMode: String {
    switch self {
    case .serverless, .serverlessKourier: "Serverless"
    case .raw: "RawDeployment"
    }
  }
}

/// What a phase is for.
public enum PhaseKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// Checks run before anything is installed.
  case preflight
  /// Applies manifests and waits until they serve.
  case install
  /// A conformance test phase (smoke, GPU inference, autoscaling).
  case test

  public var description: String { rawValue }
}
