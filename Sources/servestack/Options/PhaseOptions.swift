import ArgumentParser
import Foundation
import Images
import Kubernetes
import Phases
import Registry
import ServestackCore

/// Which phases, for which profile, with manifests from where: shared by `preflight`, `plan`, `install`,
/// `status` and `uninstall`.
struct PhaseOptions: ParsableArguments {
  @Option(help: ArgumentHelp("The profile: serverless (default), serverless-kourier or raw.", valueName: "name"))
  var profile: String = Profile.serverless.rawValue

  @Option(
    help: ArgumentHelp(
      "Run this folder's phase set (NN-name.yaml files) instead of the built-in one.", valueName: "dir"))
  var phases: String?

  @Option(
    help: ArgumentHelp(
      "Add this folder's phases (NN-name.yaml, ordered by their after:) to the set; repeatable.", valueName: "dir"))
  var extraPhases: [String] = []

  @Option(
    help: ArgumentHelp(
      "Install this stack set of the version catalog (servestack versions lists them); default: the newest the cluster's Kubernetes meets.",
      valueName: "name"))
  var stack: String?

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "A phase parameter, name=value (domain, namespace, kserveNamespace, …); repeatable.", valueName: "name=value"))
  var settings: [String] = []

  @Option(
    help: ArgumentHelp(
      "Fetch every manifest URL from this base instead (same paths), e.g. http://10.61.3.31:8080.", valueName: "url"))
  var mirror: String?

  @Option(
    help: ArgumentHelp(
      "Where verified manifest downloads are kept (default: $XDG_CACHE_HOME/servestack/manifests or ~/.cache/servestack/manifests).",
      valueName: "dir"))
  var cache: String?

  /// The parsed profile (a usage error names the profiles).
  func parsedProfile() throws -> Profile {
    do {
      return try Profile(parsing: profile)
    } catch {
      throw ValidationError(error.userMessage)
    }
  }

  /// The phase set of `--stack`, or of the catalog's newest set (no cluster consulted).
  func phaseSet() throws(PhaseError) -> PhaseSet {
    try PhaseSet.resolve(
      phases: phases.map { URL(fileURLWithPath: $0) }, extra: extraPhases.map { URL(fileURLWithPath: $0) }, stack: stack
    )
  }

  /// The stack set to install on the cluster behind `client`: `--stack`, else the newest set whose
  /// Kubernetes minimum the cluster meets (asked once; unreachable leaves the choice to the newest set,
  /// and preflight reports the cluster). A failing exec credential plugin is not the cluster being away:
  /// the command fails with the plugin's error, as kubectl does, instead of going on without credentials.
  func stackChoice(client: KubeClient) async throws -> StackChoice {
    var serverVersion: String?
    if stack == nil {
      do {
        serverVersion = try await client.getJSON(path: "/version")["gitVersion"]?.stringValue
      } catch  where error.code == .execPlugin {
        throw error
      } catch {
        serverVersion = nil
      }
    }
    return try StackChoice.choose(
      phases: phases.map { URL(fileURLWithPath: $0) }, extra: extraPhases.map { URL(fileURLWithPath: $0) },
      stack: stack,
      profile: try parsedProfile(), serverVersion: serverVersion)
  }

  func parameters() throws -> PhaseParameters {
    try PhaseParameters(profile: parsedProfile(), overrides: overrides())
  }

  /// The `--set name=value` pairs.
  func overrides() throws -> [String: String] { try Assignments.parse(settings) }

  func fetcher() throws(PhaseError) -> ManifestFetcher {
    var options = ManifestFetcher.Options(mirror: mirror)
    if let cache { options.cacheDirectory = URL(fileURLWithPath: cache) }
    return try ManifestFetcher(options: options)
  }

  /// The images each rendered phase names, for plans.
  static let imageLister: PhasePlanner.ImageLister = { phase in
    ImageExtractor().extract(from: phase.objects).references.map(\.description)
  }

  /// The flags that select the same phases again, for "to resume, run …".
  var commandFlags: String {
    var flags = ""
    if profile != Profile.serverless.rawValue { flags += " --profile \(profile)" }
    if let phases { flags += " --phases \(Self.quoted(phases))" }
    if let stack { flags += " --stack \(Self.quoted(stack))" }
    for folder in extraPhases { flags += " --extra-phases \(Self.quoted(folder))" }
    for setting in settings { flags += " --set \(Self.quoted(setting))" }
    if let mirror { flags += " --mirror \(Self.quoted(mirror))" }
    if let cache { flags += " --cache \(Self.quoted(cache))" }
    return flags
  }

  static func quoted(_ text: String) -> String {
    text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@".contains($0) }
      ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

/// `--ignore-preflight-errors` and `--storage-class`, for `preflight` and `install`.
struct PreflightFlags: ParsableArguments {
  @Option(
    name: .customLong("ignore-preflight-errors"),
    help: ArgumentHelp(
      "Turn these checks' failures into warnings, comma separated (e.g. KubernetesVersion,DefaultStorageClass) or all.",
      valueName: "checks"))
  var ignorePreflightErrors: [String] = []

  @Option(help: ArgumentHelp("This StorageClass must exist (instead of a default one).", valueName: "name"))
  var storageClass: String?

  @Flag(name: .customLong("expect-gpus"), help: "No GPU node is a failure instead of a warning.")
  var expectGPUs = false

  func options(stateNamespace: String = InstallOptions.defaultStateNamespace) throws(PhaseError) -> PreflightOptions {
    PreflightOptions(
      ignored: try PreflightNames.parseIgnored(ignorePreflightErrors), storageClass: storageClass,
      expectGPUs: expectGPUs,
      stateNamespace: stateNamespace)
  }

  var commandFlags: String {
    var flags = ""
    if !ignorePreflightErrors.isEmpty {
      flags += " --ignore-preflight-errors=\(ignorePreflightErrors.joined(separator: ","))"
    }
    if let storageClass { flags += " --storage-class \(PhaseOptions.quoted(storageClass))" }
    if expectGPUs { flags += " --expect-gpus" }
    return flags
  }
}

/// Where the install keeps its state ConfigMap and Lease.
struct StateOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Namespace of the install state (ConfigMap servestack-state) and lock (Lease servestack-install).",
      valueName: "name"))
  var stateNamespace: String = InstallOptions.defaultStateNamespace

  var commandFlags: String {
    stateNamespace == InstallOptions.defaultStateNamespace
      ? "" : " --state-namespace \(PhaseOptions.quoted(stateNamespace))"
  }
}
