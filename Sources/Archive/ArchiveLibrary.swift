internal import CArchive

/// Facts about the libarchive this binary is linked with.
public enum ArchiveLibrary {
  /// libarchive's version and its compression libraries, e.g. `libarchive 3.6.2 zlib/1.2.13 … libzstd/1.5.4`.
  public static var version: String { String(cString: archive_version_details()) }
}
