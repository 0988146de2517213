public import Foundation
public import ServestackCore
import YAML

/// One phase file, validated: what to install (or check, or test), how to patch it, and what "done" means.
public struct PhaseSpec: Sendable {
  public let name: PhaseName
  public let kind: PhaseKind
  public let description: String?
  /// Phases that run before this one when they are selected too (ordering only, not a requirement).
  public let after: [PhaseName]
  /// The profiles this phase belongs to.
  public let profiles: Set<Profile>
  public let component: PhaseComponent?
  public let manifests: [ManifestSource]
  /// Inline objects, applied after the manifests' objects.
  public let objects: [JSONValue]
  public let patches: [PhasePatch]
  public let wait: [PhaseWait]
  public let timeout: GoDuration
  public let webhookProbes: [WebhookProbe]
  /// Preflight phases only.
  public let checks: [PreflightCheck]
  /// Test phases only.
  public let steps: [TestStep]

  /// The file as named in messages (`phases/10-cert-manager.yaml`, or a path on disk).
  public let file: String
  /// The folder `path:` manifests are relative to; nil for the built-in set, which uses URLs only.
  public let directory: URL?
  /// The file's own name (`10-cert-manager.yaml`); breaks ties in the install order.
  public let fileName: String
  /// The document as read, for tools that copy or rewrite phase files (bundles).
  public let document: JSONValue
  /// The parsed file with positions, for errors found after loading (duplicates, cycles).
  var locatedDocument: YAMLDocument?

  /// Default `timeout:` per kind.
  public static func defaultTimeout(for kind: PhaseKind) -> GoDuration {
    switch kind {
    case .preflight: GoDuration(uncheckedText: "2m", nanoseconds: 120_000_000_000)
    case .install: GoDuration(uncheckedText: "10m", nanoseconds: 600_000_000_000)
    case .test: GoDuration(uncheckedText: "15m", nanoseconds: 900_000_000_000)
    }
  }

  public func applies(to profile: Profile) -> Bool { profiles.contains(profile) }

  /// The manifests used for `profile`.
  public func manifests(for profile: Profile) -> [ManifestSource] { manifests.filter { $0.applies(to: profile) } }

  /// The patches used for `profile`.
  public func patches(for profile: Profile) -> [PhasePatch] { patches.filter { $0.applies(to: profile) } }

  public init(
    name: PhaseName, kind: PhaseKind, description: String?, after: [PhaseName], profiles: Set<Profile>,
    component: PhaseComponent?, manifests: [ManifestSource], objects: [JSONValue], patches: [PhasePatch],
    wait: [PhaseWait], timeout: GoDuration, webhookProbes: [WebhookProbe], checks: [PreflightCheck],
    steps: [TestStep], file: String, directory: URL?, fileName: String, document: JSONValue
  ) {
    self.name = name
    self.kind = kind
    self.description = description
    self.after = after
    self.profiles = profiles
    self.component = component
    self.manifests = manifests
    self.objects = objects
    self.patches = patches
    self.wait = wait
    self.timeout = timeout
    self.webhookProbes = webhookProbes
    self.checks = checks
    self.steps = steps
    self.file = file
    self.directory = directory
    self.fileName = fileName
    self.document = document
  }
}
