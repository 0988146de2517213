/// Whether `python3` on PATH imports the modules some tests run for real (the KServe model server, the
/// report validators), so that a machine without them skips those tests with the reason instead of failing.
///
/// `scripts/test` installs them into a virtual environment and puts it first on PATH.
public enum PythonModules {
  /// The real KServe model server and the iris model's trainer.
  public static let modelServer = ["kserve", "sklearn", "joblib"]
  /// The JSON Schema and JUnit XSD validators of the report tests.
  public static let reportValidators = ["jsonschema", "xmlschema"]

  /// Whether the model server's modules import (asked once per test process).
  public static let hasModelServer = imports(modelServer)
  /// Whether the report validators' modules import (asked once per test process).
  public static let hasReportValidators = imports(reportValidators)

  /// The one-line skip reason for `names`.
  public static func missingReason(_ names: [String]) -> String {
    "needs python3 with \(names.joined(separator: ", ")) (scripts/test installs them); skipped"
  }

  /// Looks the modules up without importing them: importing kserve takes seconds, and the traits that ask
  /// are evaluated on the cooperative pool, where a blocked thread stalls other tests' timing.
  private static func imports(_ names: [String]) -> Bool {
    guard TestEnvironment.which("python3") != nil else { return false }
    let program =
      "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)"
    return (try? Shell.run("python3", ["-c", program] + names).status) == 0
  }
}
