import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Versions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the supported version matrix.",
      discussion: """
        One row per component of the phase set: its version, the profiles that install it, and the Kubernetes \
        versions it needs (below the minimum preflight fails, below the recommended version it warns).
        """)

    @Option(help: ArgumentHelp("Use the phase files of this folder instead of the built-in set.", valueName: "dir"))
    var phases: String?

    @Option(help: ArgumentHelp("Add the phase files of this folder to the set (repeatable).", valueName: "dir"))
    var extraPhases: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let set = try PhaseSet.resolve(
        phases: phases.map { URL(fileURLWithPath: $0) }, extra: extraPhases.map { URL(fileURLWithPath: $0) })
      let matrix = VersionMatrix(set)
      switch outputOptions.output {
      case .json:
        print(matrix.json.serialized(.pretty))
      case .text:
        print(Self.table(matrix))
      }
    }

    static func table(_ matrix: VersionMatrix) -> String {
      var rows = [["COMPONENT", "VERSION", "PROFILES", "KUBERNETES MIN", "RECOMMENDED"]]
      for row in matrix.rows {
        rows.append([
          row.component, row.version, row.profiles.map(\.rawValue).joined(separator: ","),
          row.kubernetesMinimum?.description ?? "-", row.kubernetesRecommended?.description ?? "-",
        ])
      }
      var lines = format(rows)
      lines.append("")
      var profiles = [["PROFILE", "KUBERNETES MIN", "RECOMMENDED"]]
      for profile in Profile.allCases {
        let (minimum, recommended) = matrix.kubernetes(for: profile)
        profiles.append([profile.rawValue, minimum?.description ?? "-", recommended?.description ?? "-"])
      }
      lines += format(profiles)
      lines.append("")
      lines.append("phases: \(matrix.origin)")
      return lines.joined(separator: "\n")
    }

    static func format(_ rows: [[String]]) -> [String] {
      let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
      return rows.map { row in
        row.enumerated().map { index, cell in
          index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
        }.joined()
      }
    }
  }
}
