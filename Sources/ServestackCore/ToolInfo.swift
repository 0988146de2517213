/// Facts about this build of servestack.
public enum ToolInfo {
  /// The tool's version (semantic versioning).
  public static let version = "0.1.0"

  /// The version of the Swift compiler that built the tool.
  public static var swiftVersion: String {
    #if compiler(>=6.4)
      "6.4 or later"
    #elseif compiler(>=6.3)
      "6.3"
    #elseif compiler(>=6.2)
      "6.2"
    #else
      "older than 6.2"
    #endif
  }
}
