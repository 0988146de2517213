import ArgumentParser
import Foundation
import Phases
import ServestackCore

extension Servestack {
  struct Versions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the stack sets, every component version, their Kubernetes ranges and the upgrade paths.",
      discussion: """
        The version catalog (phases/versions/) names stack sets (install --stack NAME) and, per component, \
        each version's Kubernetes minimum and recommendation (below the minimum preflight fails, below the \
        recommendation it warns), the versions it upgrades from (Knative: one minor at a time) and what \
        upstream tested it with. A phase folder without a catalog shows its pinned components instead.
        """)

    @Option(
      help: ArgumentHelp(
        "Use the phase files (and versions/ catalog) of this folder instead of the built-in set.", valueName: "dir"))
    var phases: String?

    @Option(help: ArgumentHelp("Add the phase files of this folder to the set (repeatable).", valueName: "dir"))
    var extraPhases: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
      let folder = phases.map { URL(fileURLWithPath: $0) }
      let extra = extraPhases.map { URL(fileURLWithPath: $0) }
      guard try PhaseSet.catalog(phases: folder) != nil else {
        let matrix = VersionMatrix(try PhaseSet.resolve(phases: folder, extra: extra))
        switch outputOptions.output {
        case .json: print(matrix.json.serialized(.pretty))
        case .text: print(Self.table(matrix))
        }
        return
      }
      let report = try VersionsReport.build(phases: folder, extra: extra)
      switch outputOptions.output {
      case .json: print(report.json.serialized(.pretty))
      case .text: print(VersionsTable.text(report))
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
