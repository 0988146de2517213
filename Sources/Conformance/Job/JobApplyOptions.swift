/// What `servestack job --apply` sends: the job's objects, and how.
public struct JobApplyOptions: Sendable, Hashable {
  public var job: JobOptions
  /// Use the CronJob API version the cluster serves (``JobRenderer/servedCronJobVersion(_:)``) in place of
  /// `job.cronJobAPIVersion`; off when the user named one.
  public var askCronJobVersion: Bool
  /// Server-side dry run: nothing is stored, the outcomes say what would happen.
  public var dryRun: Bool
  public var fieldManager: String

  public init(
    job: JobOptions, askCronJobVersion: Bool = true, dryRun: Bool = false, fieldManager: String = "servestack"
  ) {
    self.job = job
    self.askCronJobVersion = askCronJobVersion
    self.dryRun = dryRun
    self.fieldManager = fieldManager
  }
}
