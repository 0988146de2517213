public import ServestackCore

/// Where everything is inside a bundle tarball. Every path the creator writes, the verifier checks and the
/// pusher reads comes from here.
///
/// ```
/// bundle.yaml          what the bundle holds (BundleDescriptor)
/// checksums.txt        "<sha256 hex>  <path>" for every other file, sorted by path (sha256sum -c reads it)
/// signature            optional: base64 ed25519 signature of checksums.txt's bytes
/// phases/              the phase files, manifest URLs replaced by `path:` into manifests/
/// stacks/              two-set bundles only: the phase templates and versions/ (the catalog cut to the versions
///                      carried, manifests by `path:` into manifests/), so each upgrade step resolves offline
/// manifests/<component>/<version>/<file>.yaml
/// imagelists/<component>-<version>.txt
/// images/              one OCI image layout: oci-layout, index.json, blobs/sha256/<hex>
/// models/<name>/…      the test models' files (also in images/ as modelcar images)
/// ```
public enum BundleLayout {
  /// The bundle format this build writes and reads.
  public static let formatVersion = 1

  public static let descriptorFile = "bundle.yaml"
  public static let checksumsFile = "checksums.txt"
  public static let signatureFile = "signature"
  public static let phasesDirectory = "phases"
  /// The phase templates and the version catalog of a bundle that carries an upgrade source.
  public static let stacksDirectory = "stacks"
  /// The catalog inside stacks/.
  public static let catalogDirectory = "stacks/versions"
  public static let manifestsDirectory = "manifests"
  public static let imageListsDirectory = "imagelists"
  public static let imagesDirectory = "images"
  public static let modelsDirectory = "models"
  public static let ociLayoutFile = "images/oci-layout"
  public static let ociIndexFile = "images/index.json"
  public static let blobsPrefix = "images/blobs/sha256/"

  /// The files checksums.txt does not list (itself and the signature over it).
  public static let unchecksummedFiles: Set<String> = [checksumsFile, signatureFile]

  /// The registry name modelcar images are recorded under in images/index.json; pushing replaces it with
  /// the private registry (`servestack.local/models/sklearn-iris:1.0` → `HOST/PREFIX/models/sklearn-iris:1.0`).
  public static let modelRegistry = "servestack.local"
  public static let modelRepositoryPrefix = "models"

  public static func phasePath(_ fileName: String) -> String { "\(phasesDirectory)/\(fileName)" }

  public static func manifestPath(component: String, version: String, file: String) -> String {
    "\(manifestsDirectory)/\(component)/\(version)/\(file)"
  }

  /// How a phase file in phases/ names a manifest (relative to phases/).
  public static func manifestReferenceFromPhase(component: String, version: String, file: String) -> String {
    "../" + manifestPath(component: component, version: version, file: file)
  }

  public static func stackPath(_ fileName: String) -> String { "\(stacksDirectory)/\(fileName)" }

  /// How a catalog file in stacks/versions/ names a manifest (relative to stacks/versions/).
  public static func manifestReferenceFromCatalog(component: String, version: String, file: String) -> String {
    "../../" + manifestPath(component: component, version: version, file: file)
  }

  public static func imageListPath(_ fileName: String) -> String { "\(imageListsDirectory)/\(fileName)" }

  public static func blobPath(_ digest: Digest) -> String { blobsPrefix + digest.hex }

  public static func modelPath(model: String, file: String) -> String { "\(modelsDirectory)/\(model)/\(file)" }

  /// The digest a path under images/blobs/sha256/ names, if it is one.
  public static func blobDigest(atPath path: String) -> Digest? {
    guard path.hasPrefix(blobsPrefix) else { return nil }
    return try? Digest("sha256:" + path.dropFirst(blobsPrefix.count))
  }

  /// Whether `path` is a clean relative path: no leading `/`, no `.` or `..` or empty components, no NUL,
  /// no backslash. The verifier refuses entries whose names are not clean, so a bundle cannot name the same
  /// file two ways or reach outside its folder.
  public static func isCleanPath(_ path: String) -> Bool {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\0"), !path.contains("\\") else { return false }
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    return components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
  }
}
