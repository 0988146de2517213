import Foundation
import PackagePlugin

/// Generates `BuiltinFiles.swift` from the package's top-level `phases/`, `imagelists/` and `bundles/`
/// folders, so the `servestack` binary works with no checkout beside it.
@main
struct EmbedContentPlugin: BuildToolPlugin {
  static let folders = ["phases", "imagelists", "bundles"]

  func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
    let root = context.package.directoryURL
    var inputs: [URL] = []
    for folder in Self.folders {
      let dir = root.appendingPathComponent(folder)
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
      for name in names.sorted() where !name.hasPrefix(".") && name != "README.md" {
        let url = dir.appendingPathComponent(name)
        // One level of subfolders (phases/versions/) is embedded too; list its files so edits rebuild.
        if let inner = try? FileManager.default.contentsOfDirectory(atPath: url.path) {
          inputs += inner.sorted().filter { !$0.hasPrefix(".") && $0 != "README.md" }.map {
            url.appendingPathComponent($0)
          }
        } else {
          inputs.append(url)
        }
      }
    }
    let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuiltinFiles.swift")
    let tool = try context.tool(named: "servestack-embed")
    return [
      .buildCommand(
        displayName: "Embedding phases, image lists and bundle specs",
        executable: tool.url,
        arguments: [root.path, output.path] + Self.folders,
        inputFiles: inputs,
        outputFiles: [output])
    ]
  }
}
