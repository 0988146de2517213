import Archive
import ArgumentParser
import Foundation
import HTTP
import ServestackCore
import YAML

extension Servestack {
  struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the version of servestack, of Swift and of the linked C libraries.")

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let facts: [(String, String)] = [
        ("servestack", ToolInfo.version),
        ("swift", ToolInfo.swiftVersion),
        ("libcurl", CurlLibrary.version),
        ("libyaml", YAMLLibrary.version),
        ("libarchive", ArchiveLibrary.version),
      ]
      switch outputOptions.output {
      case .json:
        let object = JSONValue.object(JSONObject(uniqueKeysWithValues: facts.map { ($0.0, JSONValue.string($0.1)) }))
        print(object.serialized(.pretty))
      case .text:
        for (name, value) in facts {
          print("\(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(value)")
        }
      }
    }
  }
}
