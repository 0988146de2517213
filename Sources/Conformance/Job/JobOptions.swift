/// What `servestack job` renders: a CronJob that runs `servestack test` in the cluster on a schedule, with a
/// ServiceAccount allowed only what the tests touch.
public struct JobOptions: Sendable, Hashable {
  /// Five-field cron schedule (`0 */6 * * *`).
  public var schedule: String
  /// The servestack image the CronJob runs (the bundle carries it for airgaps).
  public var image: String
  /// Where the CronJob, its ServiceAccount and the stored results live.
  public var namespace: String
  /// The namespace the tests create their InferenceServices in (created by the manifests, kept between runs).
  public var testNamespace: String
  /// Results kept in the cluster (one ConfigMap per run; older ones are deleted).
  public var keepResults: Int
  public var profile: String
  /// `batch/v1` (Kubernetes 1.21+) or `batch/v1beta1` (1.20); `--apply` picks what the cluster serves.
  public var cronJobAPIVersion: String
  /// Passed to `servestack test`: `--require-gpu`, `--set k=v`, `--dcgm-url`, `--pushgateway`.
  public var requireGPU: Bool
  public var parameters: [String: String]
  public var dcgmURL: String?
  public var pushgateway: String?
  /// The ServiceAccount (and the prefix of its Roles).
  public var serviceAccount: String
  /// The PrometheusRule's thresholds; `nil` renders no PrometheusRule (`--no-alerts`).
  public var alerts: JobAlerts.Thresholds?
  /// Whether to render the Grafana dashboard ConfigMap (`--no-dashboard` turns it off).
  public var dashboard: Bool

  public init(
    schedule: String, image: String, namespace: String = "servestack-system",
    testNamespace: String = "servestack-conformance", keepResults: Int = 10, profile: String = "serverless",
    cronJobAPIVersion: String = "batch/v1", requireGPU: Bool = false, parameters: [String: String] = [:],
    dcgmURL: String? = nil, pushgateway: String? = nil, serviceAccount: String = "servestack-conformance",
    alerts: JobAlerts.Thresholds? = JobAlerts.Thresholds(), dashboard: Bool = true
  ) {
    self.schedule = schedule
    self.image = image
    self.namespace = namespace
    self.testNamespace = testNamespace
    self.keepResults = keepResults
    self.profile = profile
    self.cronJobAPIVersion = cronJobAPIVersion
    self.requireGPU = requireGPU
    self.parameters = parameters
    self.dcgmURL = dcgmURL
    self.pushgateway = pushgateway
    self.serviceAccount = serviceAccount
    self.alerts = alerts
    self.dashboard = dashboard
  }

  /// Checks the schedule, image, counts and names.
  ///
  /// #### Errors
  /// ``ConformanceError`` (`invalidOption`) saying what is wrong.
  public func validate() throws(ConformanceError) {
    let fields = schedule.split(separator: " ", omittingEmptySubsequences: true)
    let allowed = Set("0123456789*/,-")
    guard fields.count == 5, fields.allSatisfy({ $0.allSatisfy { allowed.contains($0) } }) || schedule.hasPrefix("@")
    else {
      throw ConformanceError(
        .invalidOption, "--schedule '\(schedule)' is not a five-field cron schedule such as \"0 */6 * * *\"")
    }
    guard !image.isEmpty, !image.contains(" ") else {
      throw ConformanceError(.invalidOption, "--image '\(image)' is not an image reference")
    }
    guard (1...100).contains(keepResults) else {
      throw ConformanceError(.invalidOption, "--keep-results \(keepResults) is out of range 1…100")
    }
    guard ["batch/v1", "batch/v1beta1"].contains(cronJobAPIVersion) else {
      throw ConformanceError(.invalidOption, "CronJob API version \(cronJobAPIVersion): use batch/v1 or batch/v1beta1")
    }
    _ = try CronSchedule(schedule)
    if let alerts {
      for (flag, value) in [
        ("--alert-p99-seconds", alerts.p99Seconds), ("--alert-cold-start-seconds", alerts.coldStartSeconds),
      ]
      where !(value.isFinite && value > 0) {
        throw ConformanceError(.invalidOption, "\(flag) \(value) must be a number of seconds above 0")
      }
    }
    for name in [namespace, testNamespace, serviceAccount] where !Self.isDNSLabel(name) {
      throw ConformanceError(
        .invalidOption, "'\(name)' is not a valid Kubernetes name (lowercase letters, digits, '-')")
    }
  }

  static func isDNSLabel(_ name: String) -> Bool {
    guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
    return name.allSatisfy { $0.isLowercase && $0.isLetter || $0.isNumber || $0 == "-" } && first != "-" && last != "-"
  }
}
