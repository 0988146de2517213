internal import CYAML

/// Facts about the libyaml this binary is linked with.
public enum YAMLLibrary {
  /// libyaml's version, e.g. `0.2.5`.
  public static var version: String { String(cString: yaml_get_version_string()) }
}
