import Archive
import ArgumentParser
import Bundles
import Foundation
import ServestackCore

extension Servestack.BundleCommand {
  struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List a bundle's components, versions, images and sizes without extracting it.")

    @Argument(help: ArgumentHelp("The bundle file.", valueName: "file"))
    var file: String

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let inspection = try await BundleInspector.inspect(URL(fileURLWithPath: file))
      let descriptor = inspection.descriptor
      switch outputOptions.output {
      case .json:
        var object = descriptor.json.objectValue ?? [:]
        object["archive"] = [
          "path": .string(inspection.archive.path), "bytes": .int(Int(inspection.archiveBytes)),
          "compression": .string(inspection.compression.rawValue),
        ]
        object["images"] = .array(
          inspection.images.map { image in
            [
              "name": .string(image.name), "digest": .string(image.digest.description),
              "mediaType": .string(image.mediaType),
              "platforms": .array(image.platforms.map { .string($0) }), "size": .int(Int(image.size)),
              "layers": .int(image.layers),
            ]
          })
        print(JSONValue.object(object).serialized(.pretty))
      case .text:
        print(
          "bundle \(descriptor.name): \(inspection.archive.path) (\(formatBytes(inspection.archiveBytes)), \(inspection.compression.rawValue))"
        )
        print(
          "created \(ISO8601DateFormatter().string(from: descriptor.created)) by servestack \(descriptor.toolVersion)")
        print("profile \(descriptor.profile); platforms \(descriptor.platforms.joined(separator: ", "))")
        print("components\(descriptor.stackSet.map { " (stack set \($0), what install --bundle installs)" } ?? ""):")
        for entry in descriptor.stack { print("  \(entry.component) \(entry.version)") }
        if let from = descriptor.upgradeFrom {
          print("upgrade from stack set \(from.name) (upgrade apply --bundle; install --bundle --stack \(from.name)):")
          for entry in from.components { print("  \(entry.component) \(entry.version)") }
        }
        print("phases: \(descriptor.phases.joined(separator: ", "))")
        print("images (\(inspection.images.count)):")
        let width = inspection.images.map(\.name.count).max() ?? 0
        for image in inspection.images {
          let platforms = image.platforms.isEmpty ? "" : "  " + image.platforms.joined(separator: ",")
          print(
            "  \(image.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(formatBytes(image.size))\(platforms)"
          )
        }
        if !descriptor.models.isEmpty {
          print("models:")
          for model in descriptor.models {
            print(
              "  \(model.name) \(model.version) (\(formatBytes(model.size))) → \(model.image)"
                + (model.storageUri.map { ", replaces \($0)" } ?? ""))
          }
        }
        print(
          "totals: \(descriptor.totals.images) images, \(descriptor.totals.blobs) blobs, \(formatBytes(descriptor.totals.bytes))"
        )
      }
    }
  }
}
