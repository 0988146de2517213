/// The phases, image lists and bundle specifications this binary was built with.
///
/// `BuiltinFiles.all` is generated at build time by `EmbedContentPlugin` from the repository's top-level
/// `phases/`, `imagelists/` and `bundles/` folders; command-line flags such as `--phases DIR` override it.
public enum BuiltinContent {
  /// Files under one top-level folder (`phases`, `imagelists`, `bundles`), sorted by name.
  public static func files(in folder: String) -> [(name: String, text: String)] {
    let prefix = folder + "/"
    return BuiltinFiles.all
      .filter { $0.key.hasPrefix(prefix) }
      .map { (name: String($0.key.dropFirst(prefix.count)), text: $0.value) }
      .sorted { $0.name < $1.name }
  }
}
