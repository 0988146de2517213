/// What ``BundlePusher/push(bundle:options:)`` did: the bundle's verification (its warnings and signature
/// for the caller to show), its descriptor, and the push itself.
public struct BundlePushOutcome: Sendable {
  public var verification: BundleVerification
  public var descriptor: BundleDescriptor
  public var push: BundlePushResult

  public init(verification: BundleVerification, descriptor: BundleDescriptor, push: BundlePushResult) {
    self.verification = verification
    self.descriptor = descriptor
    self.push = push
  }
}
