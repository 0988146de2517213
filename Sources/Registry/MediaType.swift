/// The manifest and blob media types of the OCI image spec and Docker's distribution format.
public enum MediaType {
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
  public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
  public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

  /// Every manifest type a pull asks for. Docker's registry v2.8 answers 404 for an OCI manifest or index
  /// that the `Accept` header does not list, and converts Docker v2 manifests to schema 1 (another digest)
  /// when `Accept` is missing, so all four are always sent.
  public static let manifestTypes = [ociManifest, ociIndex, dockerManifest, dockerManifestList]

  /// Whether `type` is an index (a list of per-platform manifests).
  public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }

  /// Whether `type` is a single-image manifest.
  public static func isImageManifest(_ type: String) -> Bool { type == ociManifest || type == dockerManifest }
}
