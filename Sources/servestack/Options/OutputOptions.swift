import ArgumentParser

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

/// Output format: a human view, or `-o json` for machines.
struct OutputOptions: ParsableArguments {
  @Option(
    name: [.short, .long],
    help: ArgumentHelp("Output format: text (a human view) or json (for machines).", valueName: "format"))
  var output: OutputFormat = .text
}
