import ArgumentParser
import BuiltinContent
import Foundation
import Images
import Registry
import ServestackCore

extension Servestack {
  struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "images",
      abstract: "List the images of a profile, extract images from manifest files, check image lists for drift.",
      discussion: """
        With no flags, prints the image lists built into servestack. --write regenerates the lists from a \
        manifests directory laid out as <component>/<version>/*.yaml; --check exits 1 when a list differs \
        from what its manifests need.
        """,
      subcommands: [Extract.self])

    @Flag(help: "Regenerate the image lists from --manifests into --lists.")
    var write = false

    @Flag(help: "Compare the image lists with --manifests; exit 1 listing extra and missing images on drift.")
    var check = false

    @Option(help: ArgumentHelp("Manifests laid out as <component>/<version>/*.yaml.", valueName: "dir"))
    var manifests: String?

    @Option(
      help: ArgumentHelp(
        "The image lists folder (default: ./imagelists; --check without it and without ./imagelists uses the built-in lists).",
        valueName: "dir"))
    var lists: String?

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
      if write && check { throw ValidationError("use --write or --check, not both") }
      if (write || check) && manifests == nil { throw ValidationError("--write and --check need --manifests DIR") }
      if !(write || check) && manifests != nil { throw ValidationError("--manifests needs --write or --check") }
    }

    func run() async throws {
      if write || check {
        let manifestsDirectory = URL(fileURLWithPath: manifests ?? ".")
        let loaded = try ImageLists.loadManifests(directory: manifestsDirectory)
        if write {
          try writeLists(ImageLists.generate(manifestsByComponent: loaded))
        } else {
          try checkLists(loaded)
        }
        return
      }
      try printBuiltinLists()
    }

    private var listsDirectory: URL { URL(fileURLWithPath: lists ?? "imagelists") }

    private func writeLists(_ generated: [ComponentVersion: ImageList]) throws {
      let written = try ImageLists.write(Array(generated.values), to: listsDirectory)
      switch outputOptions.output {
      case .json:
        print(JSONValue.array(written.map { .string($0.path) }).serialized(.pretty))
      case .text:
        for key in generated.keys.sorted() {
          print("wrote \(listsDirectory.path)/\(key.fileName) (\(generated[key]?.references.count ?? 0) images)")
        }
      }
    }

    private func checkLists(_ loaded: [ComponentVersion: [JSONValue]]) throws {
      let current: [ImageList]
      if lists == nil && !FileManager.default.fileExists(atPath: listsDirectory.path) {
        current = try ImageLists.parseLists(BuiltinContent.files(in: "imagelists"))
      } else {
        current = try ImageLists.loadLists(directory: listsDirectory)
      }
      let report = ImageLists.check(lists: current, manifestsByComponent: loaded)
      switch outputOptions.output {
      case .json:
        print(report.json.serialized(.pretty))
      case .text:
        print(report.summary)
      }
      if report.hasDrift { throw ExitCode(1) }
    }

    private func printBuiltinLists() throws {
      let parsed = try ImageLists.parseLists(BuiltinContent.files(in: "imagelists"))
      switch outputOptions.output {
      case .json:
        print(ImageList.json(parsed).serialized(.pretty))
      case .text:
        if parsed.isEmpty { print("no image lists are built in") }
        for list in parsed {
          print("\(list.name) (\(list.references.count) images)")
          for reference in list.references { print("  \(reference)") }
        }
      }
    }
  }
}

extension Servestack.ImagesCommand {
  struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the images that manifest files need (containers, ConfigMaps, runtimes, Istio's injected proxy).")

    @Argument(help: ArgumentHelp("YAML manifest files.", valueName: "file"))
    var files: [String]

    @Flag(help: "Say where each image was found (object and field).")
    var why = false

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      for file in files where !FileManager.default.isReadableFile(atPath: file) {
        throw ValidationError("\(file): no such file, or it cannot be read")
      }
      let extraction = try ImageExtractor().extract(files: files.map { URL(fileURLWithPath: $0) })
      for problem in extraction.problems {
        Terminal.standardError.write("warning: \(problem.description)\n")
      }
      switch outputOptions.output {
      case .json:
        print(extraction.json(why: why).serialized(.pretty))
      case .text:
        for reference in extraction.references {
          print(reference.description)
          if why {
            for occurrence in extraction.occurrences(of: reference) { print("  \(occurrence.why)") }
          }
        }
      }
    }
  }
}
